import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ROOT, at, blockAt, loadTerraform, str, variables } from './hcl.js';

const FORWARDER = 'terraform/modules/regional-forwarder';
const REGIONAL_ROOT = 'terraform/envs/regional';
const ENVIRONMENTS = ['dev', 'test', 'prod'];

/** The envelope fields a triage rule selects on (rules/triage-*.json). */
const RuleEnvelope = z.object({ source: z.array(z.string()), 'detail-type': z.array(z.string()) });

/** The default of `forwarded_events`, as hcl2json renders it. */
const ForwardedEvents = z.record(z.string(), z.object({ source: z.string(), detail_types: z.array(z.string()) }));

/** `source|detail-type` of every event the triage rules consume. */
function triageEventTypes(): string[] {
  const dir = path.join(ROOT, 'rules');
  return readdirSync(dir)
    .filter((file) => file.startsWith('triage-') && file.endsWith('.json'))
    .flatMap((file) => {
      const rule = RuleEnvelope.parse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      return rule.source.flatMap((source) => rule['detail-type'].map((type) => `${source}|${type}`));
    });
}

describe('Terraform: regional forwarder', () => {
  it('forwards by default exactly the sources and detail-types the triage rules consume', async () => {
    // Prepare
    const config = await loadTerraform(FORWARDER);

    // Act
    const forwarded = ForwardedEvents.parse(variables(config)['forwarded_events']?.['default']);
    const types = Object.values(forwarded).flatMap((events) => events.detail_types.map((type) => `${events.source}|${type}`));

    // Assess: a triage rule for a new detail-type must be forwarded too, or other regions' events never match it.
    expect(types.sort()).toEqual(triageEventTypes().sort());
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
