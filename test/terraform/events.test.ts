import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../functions/lib/eventbridge/rules.js';
import {
  ROOT,
  at,
  blockAt,
  entryPoints,
  loadTerraform,
  locals,
  nested,
  resource,
  resourceNames,
  single,
  str,
  strings,
  variables,
} from './hcl.js';

const MODULE = 'terraform/modules/cordon';
const RULES_DIR = path.join(ROOT, 'rules');

/**
 * What Terraform's `templatefile(file, { account_id, region, partition })` makes of a rule file: `$${`/`%%{` are
 * escapes, any other interpolation or directive is an error (so a file with one would fail `terraform plan`).
 */
function renderLikeTemplatefile(
  text: string,
  vars: { account_id: string; region: string; partition: string },
): string {
  return text.replace(/(\$\$\{|%%\{)|\$\{\s*([^}]*?)\s*\}|%\{/g, (match, escape: string | undefined, name: string | undefined) => {
    if (escape) return escape.slice(1);
    if (name === 'account_id' || name === 'region' || name === 'partition') return vars[name];
    throw new Error(`templatefile would fail on ${match}: only \${account_id}, \${region} and \${partition} are defined`);
  });
}

/** The rules Terraform deploys, computed the way `local.event_rules` does: every *.json of the directory. */
function deployedRules(): { key: string; file: string; target: string }[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ key: file.slice(0, -'.json'.length), file, target: file.split('-')[0] ?? '' }));
}

describe('Terraform: EventBridge rules', () => {
  it('deploys every *.json file of rules/ through fileset and templatefile, with the three placeholders', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const expression = str(locals(config)['event_rules'], 'event_rules');

    // Assess
    expect(expression).toContain('for file in fileset(var.rules_dir, "*.json") : trimsuffix(file, ".json") =>');
    expect(expression).toContain('target = split("-", file)[0]');
    expect(expression).toContain('templatefile("${var.rules_dir}/${file}"');
    expect(expression).toContain('account_id = local.account_id');
    expect(expression).toContain('region     = local.region');
    expect(expression).toContain('partition  = local.partition');
  });

  it('deploys exactly the rule files cordon reads, each to an existing function that accepts it', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const targets = strings(locals(config)['rule_targets'], 'rule_targets');

    // Act
    const deployed = deployedRules();
    const known = loadRuleFiles(RULES_DIR);

    // Assess
    expect(deployed.length).toBeGreaterThan(0);
    expect(deployed.map((r) => r.key)).toEqual(known.map((r) => r.name));
    expect(deployed.map((r) => r.target)).toEqual(known.map((r) => r.target));
    for (const rule of deployed) {
      expect(targets, rule.file).toContain(rule.target);
      expect(entryPoints(), rule.file).toContain(rule.target);
    }
  });

  it.each([
    ['eu-west-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
  ])('renders every rule file into a JSON pattern with the account, region (%s) and partition filled', (region, partition) => {
    for (const rule of deployedRules()) {
      // Prepare
      const text = readFileSync(path.join(RULES_DIR, rule.file), 'utf8');

      // Act
      const rendered = renderLikeTemplatefile(text, { account_id: '111122223333', region, partition });

      // Assess
      expect(() => JSON.parse(rendered) as unknown, rule.file).not.toThrow();
      expect(rendered, rule.file).not.toMatch(/\$\{(account_id|region|partition)\}/);
      // No ARN in a deployed pattern names another partition than the deployment's.
      for (const arn of rendered.match(/"arn:[^":]*:/g) ?? []) expect(arn, rule.file).toBe(`"arn:${partition}:`);
    }
  });

  it('creates one rule, target and scoped Lambda permission per rule file', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const rule = resource(config, 'aws_cloudwatch_event_rule', 'pattern');
    const target = resource(config, 'aws_cloudwatch_event_target', 'pattern');
    const permission = resource(config, 'aws_lambda_permission', 'pattern');

    // Assess
    for (const block of [rule, target, permission]) expect(block['for_each']).toBe('${local.event_rules}');
    expect(rule['event_pattern']).toBe('${each.value.pattern}');
    expect(target['arn']).toBe('${aws_lambda_function.this[each.value.target].arn}');
    expect(target['rule']).toBe('${aws_cloudwatch_event_rule.pattern[each.key].name}');
    expect(permission['function_name']).toBe('${aws_lambda_function.this[each.value.target].function_name}');
    expect(permission['principal']).toBe('events.amazonaws.com');
    expect(permission['source_arn']).toBe('${aws_cloudwatch_event_rule.pattern[each.key].arn}');
    expect(at(single(rule, 'lifecycle'), 'precondition', 0, 'condition')).toBe(
      '${contains(local.rule_targets, each.value.target)}',
    );
  });

  it('retries every target and sends what it cannot deliver to an encrypted dead-letter queue', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const vars = variables(config);

    // Act
    const targets = resourceNames(config, 'aws_cloudwatch_event_target').map((name) =>
      resource(config, 'aws_cloudwatch_event_target', name),
    );
    const queue = resource(config, 'aws_sqs_queue', 'events_dlq');
    const queuePolicy = resource(config, 'aws_iam_policy_document', 'events_dlq', 'data');

    // Assess
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(single(target, 'retry_policy')['maximum_retry_attempts']).toBe('${var.event_retry_attempts}');
      expect(single(target, 'dead_letter_config')['arn']).toBe('${aws_sqs_queue.events_dlq.arn}');
    }
    expect(vars['event_retry_attempts']?.['default']).toBeGreaterThan(0);
    expect(queue['sqs_managed_sse_enabled']).toBe(true);
    const allow = nested(queuePolicy, 'statement')[0] ?? {};
    expect(single(allow, 'condition')).toEqual({
      test: 'ArnEquals',
      variable: 'aws:SourceArn',
      values: '${local.event_rule_arns}',
    });
  });

  it('deploys no pattern rule besides the rule files, and runs expire on a schedule', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const names = resourceNames(config, 'aws_cloudwatch_event_rule');
    const expire = resource(config, 'aws_cloudwatch_event_rule', 'expire');
    const expireTarget = resource(config, 'aws_cloudwatch_event_target', 'expire');

    // Assess
    expect(names.sort()).toEqual(['expire', 'pattern']);
    expect(expire['event_pattern']).toBeUndefined();
    expect(expire['schedule_expression']).toBe('${var.expire_schedule_expression}');
    // Every minute: a containment whose worker died while the resource was exposed is resumed within a minute
    // of its 60-second lease lapsing.
    expect(variables(config)['expire_schedule_expression']?.['default']).toBe('rate(1 minute)');
    expect(expireTarget['arn']).toBe('${aws_lambda_function.this["expire"].arn}');
    expect(resource(config, 'aws_lambda_permission', 'expire')['source_arn']).toBe(
      '${aws_cloudwatch_event_rule.expire.arn}',
    );
  });
});

describe('Terraform: Security Hub custom actions', () => {
  it('creates approve and reject actions whose names fit in 20 characters', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const vars = variables(config);

    // Act
    const approve = blockAt(vars['approve_action'], 'default');
    const reject = blockAt(vars['reject_action'], 'default');

    // Assess
    expect(approve).toEqual({ id: 'CordonApprove', name: 'Cordon approve' });
    expect(reject).toEqual({ id: 'CordonReject', name: 'Cordon reject' });
    for (const action of [approve, reject]) {
      expect(str(action['name'], 'name').length).toBeLessThanOrEqual(20);
      expect(str(action['id'], 'id')).toMatch(/^[A-Za-z0-9]{1,20}$/);
    }
    expect(resource(config, 'aws_securityhub_action_target', 'approve')['identifier']).toBe('${var.approve_action.id}');
    expect(resource(config, 'aws_securityhub_action_target', 'reject')['name']).toBe('${var.reject_action.name}');
  });

  it('deploys the actions the approve rule listens to', async () => {
    // Prepare
    const vars = variables(await loadTerraform(MODULE));
    const ids = ['approve_action', 'reject_action'].map((v) => str(at(vars[v], 'default', 'id'), v));

    // Act
    const approveRules = loadRuleFiles(RULES_DIR).filter((r) => r.target === 'approve');
    const listened = JSON.stringify(approveRules.map((r) => r.pattern));

    // Assess
    expect(approveRules.length).toBeGreaterThan(0);
    for (const id of ids) expect(listened).toContain(`:\${account_id}:action/custom/${id}`);
  });

  it('refuses at plan time an action id that the approve rule does not list', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const conditions = ['approve', 'reject'].map((name) =>
      JSON.stringify(resource(config, 'aws_securityhub_action_target', name)['lifecycle']),
    );

    // Assess
    for (const [i, name] of ['approve', 'reject'].entries()) {
      expect(conditions[i]).toContain('local.event_rules[\\"approve-custom-action\\"].pattern');
      expect(conditions[i]).toContain(`:action/custom/\${var.${name}_action.id}`);
    }
  });
});
