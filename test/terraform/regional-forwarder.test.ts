import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, at, blockAt, loadTerraform, locals, resource, str } from './hcl.js';

const FORWARDER = 'terraform/modules/regional-forwarder';
const REGIONAL_ROOT = 'terraform/envs/regional';
const ENVIRONMENTS = ['dev', 'test', 'prod'];

/** The rule files that feed triage (rules/triage-*.json): the ones the forwarder forwards. */
function triageRuleFiles(): string[] {
  return readdirSync(path.join(ROOT, 'rules')).filter((file) => file.startsWith('triage-') && file.endsWith('.json'));
}

describe('Terraform: regional forwarder', () => {
  it("forwards with each triage rule's own pattern, so only what triage consumes crosses regions", async () => {
    // Prepare
    const forwarder = await loadTerraform(FORWARDER);
    const regional = await loadTerraform(REGIONAL_ROOT);

    // Act
    const forwarded = str(locals(forwarder)['forwarded'], 'forwarded');
    const rule = resource(forwarder, 'aws_cloudwatch_event_rule', 'forward');
    const rulesDir = str(blockAt(regional.root, 'module', 'forwarder', 0)['rules_dir'], 'rules_dir');

    // Assess: the home region's rules see the forwarded events exactly as they see local ones.
    expect(forwarded).toContain('for file in fileset(var.rules_dir, "triage-*.json")');
    expect(forwarded).toContain('templatefile("${var.rules_dir}/${file}"');
    expect(forwarded).toContain('region     = local.home_region');
    expect(rule['for_each']).toBe('${local.forwarded}');
    expect(rule['event_pattern']).toBe('${each.value.pattern}');
    expect(path.resolve(ROOT, REGIONAL_ROOT, rulesDir.replace('${path.root}', '.'))).toBe(path.join(ROOT, 'rules'));
    // Every rule that feeds triage is forwarded; the custom actions (approve-*) are home-region only.
    expect(triageRuleFiles().length).toBeGreaterThan(0);
  });

  it('targets the home bus the environment roots output, which is the bus cordon listens on', async () => {
    // Prepare
    const cordon = await loadTerraform('terraform/modules/cordon');
    const regional = await loadTerraform(REGIONAL_ROOT);

    // Act
    const busArn = at(cordon.root, 'output', 'event_bus_arn', 0, 'value');
    const call = blockAt(regional.root, 'module', 'forwarder', 0);
    const outputs = await Promise.all(
      ENVIRONMENTS.map(async (env) => at((await loadTerraform(`terraform/envs/${env}`)).root, 'output', 'event_bus_arn', 0, 'value')),
    );

    // Assess
    expect(busArn).toBe('arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${var.event_bus_name}');
    expect(outputs).toEqual(ENVIRONMENTS.map(() => '${module.cordon.event_bus_arn}'));
    expect(call['source']).toBe('../../modules/regional-forwarder');
    expect(call['home_event_bus_arn']).toBe('${var.home_event_bus_arn}');
    expect(call['environment']).toBe('${var.environment}');
  });

  it('keeps each region of each environment in its own state, in the security account only', async () => {
    // Prepare
    const regional = await loadTerraform(REGIONAL_ROOT);

    // Act
    const provider = blockAt(regional.root, 'provider', 'aws', 0);
    const check = blockAt(regional.root, 'check', 'workspace', 0, 'assert', 0);
    const backend = blockAt(regional.root, 'terraform', 0, 'backend', 's3', 0);

    // Assess
    expect(provider['region']).toBe('${var.region}');
    expect(provider['allowed_account_ids']).toEqual(['${var.security_account_id}']);
    expect(str(check['condition'], 'condition')).toBe('${terraform.workspace == "${var.environment}-${var.region}"}');
    expect(str(backend['bucket'], 'bucket')).toMatch(/REPLACE/);
    expect(backend['encrypt']).toBe(true);
  });
});
