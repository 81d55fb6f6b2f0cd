import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../functions/lib/observability.js';
import { FUNCTION_NAMES } from '../../functions/lib/permissions.js';
import { TABLE_INDEXES, TABLE_KEYS, TABLE_TTL_ATTRIBUTE } from '../../functions/lib/store/model.js';
import {
  ROOT,
  at,
  blockAt,
  entryPoints,
  loadTerraform,
  locals,
  nested,
  resource,
  single,
  str,
  strings,
  variables,
} from './hcl.js';

const MODULE = 'terraform/modules/cordon';

describe('Terraform: Lambda functions', () => {
  it('declares one function per entry point in functions/', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const declared = Object.keys(blockAt(locals(config), 'function_defaults')).sort();

    // Assess
    expect(declared).toEqual(entryPoints());
    expect(declared).toEqual([...FUNCTION_NAMES].sort());
  });

  it('gives every function a Lambda, a role, a log group and a dead-letter queue, keyed by entry point', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const lambda = resource(config, 'aws_lambda_function', 'this');
    const role = resource(config, 'aws_iam_role', 'function');
    const logGroup = resource(config, 'aws_cloudwatch_log_group', 'function');
    const dlq = resource(config, 'aws_sqs_queue', 'function_dlq');

    // Assess
    for (const block of [lambda, role, logGroup, dlq]) expect(block['for_each']).toBe('${local.functions}');
    expect(lambda['role']).toBe('${aws_iam_role.function[each.key].arn}');
    expect(at(single(lambda, 'dead_letter_config'), 'target_arn')).toBe('${aws_sqs_queue.function_dlq[each.key].arn}');
    expect(logGroup['name']).toBe('/aws/lambda/${local.function_names[each.key]}');
    expect(lambda['function_name']).toBe('${local.function_names[each.key]}');
    expect(logGroup['retention_in_days']).toBe('${var.log_retention_days}');
    expect(dlq['sqs_managed_sse_enabled']).toBe(true);
  });

  it('deploys the zips of `npm run build` on Node.js 22 (or 24) and arm64', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const lambda = resource(config, 'aws_lambda_function', 'this');
    const runtime = variables(config)['lambda_runtime'];
    const zips = str(locals(config)['function_zips'], 'function_zips');

    // Assess
    expect(zips).toContain('"${var.dist_dir}/${name}.zip"');
    expect(lambda['filename']).toBe('${local.function_zips[each.key]}');
    expect(lambda['source_code_hash']).toBe('${try(filebase64sha256(local.function_zips[each.key]), null)}');
    expect(str(at(single(single(lambda, 'lifecycle'), 'precondition'), 'condition'), 'precondition')).toBe(
      '${fileexists(local.function_zips[each.key])}',
    );
    expect(lambda['handler']).toBe('index.handler');
    expect(lambda['architectures']).toEqual(['arm64']);
    expect(lambda['runtime']).toBe('${var.lambda_runtime}');
    expect(runtime?.['default']).toBe('nodejs22.x');
    expect(runtime?.['type']).toBe('${string}');
    expect(str(at(single(runtime ?? {}, 'validation'), 'condition'), 'runtime validation')).toBe(
      '${contains(["nodejs22.x", "nodejs24.x"], var.lambda_runtime)}',
    );
    // The bundles are built for the oldest accepted runtime.
    expect(readFileSync(path.join(ROOT, 'scripts', 'build.ts'), 'utf8')).toContain("target: 'node22'");
    for (const name of entryPoints()) {
      const source = readFileSync(path.join(ROOT, 'functions', `${name}.ts`), 'utf8');
      expect(source, `functions/${name}.ts exports handler`).toMatch(/export (async function|const) handler\b/);
    }
    expect(lambda['depends_on']).toEqual(['${aws_iam_role_policy.function}', '${aws_cloudwatch_log_group.function}']);
  });

  it('sets memory, timeout and reserved concurrency for each function, with async retries for async ones', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const defaults = blockAt(locals(config), 'function_defaults');

    // Act
    const lambda = resource(config, 'aws_lambda_function', 'this');
    const invokeConfig = resource(config, 'aws_lambda_function_event_invoke_config', 'this');

    // Assess
    for (const name of entryPoints()) {
      const settings = blockAt(defaults, name);
      expect(settings['memory_size'], name).toBeGreaterThanOrEqual(128);
      expect(settings['timeout'], name).toBeGreaterThan(0);
      expect(typeof settings['reserved_concurrency'], name).toBe('number');
      expect(typeof settings['asynchronous'], name).toBe('boolean');
    }
    // The worker is reserved (it protects member accounts from a containment storm); the API and the console,
    // behind API Gateway, stay synchronous and answer within its 30 seconds.
    expect(blockAt(defaults, 'isolate')['reserved_concurrency']).toBeGreaterThan(0);
    for (const name of ['api', 'console']) {
      expect(blockAt(defaults, name)['asynchronous'], name).toBe(false);
      expect(blockAt(defaults, name)['timeout'], name).toBeLessThanOrEqual(29);
    }
    expect(lambda['memory_size']).toBe('${each.value.memory_size}');
    expect(lambda['timeout']).toBe('${each.value.timeout}');
    expect(lambda['reserved_concurrent_executions']).toBe('${each.value.reserved_concurrency}');
    expect(str(invokeConfig['for_each'], 'invoke config for_each')).toContain('if settings.asynchronous');
    expect(invokeConfig['maximum_retry_attempts']).toBe('${var.async_retry_attempts}');
  });
});

describe('Terraform: function environment', () => {
  const source = (file: string) => readFileSync(path.join(ROOT, 'functions/lib', file), 'utf8');
  /** Each environment block, and the configuration modules that read its variables. */
  const readers: Record<string, string[]> = {
    pipeline_environment: [source('config.ts')],
    api_environment: [source('api/config.ts'), source('api/environment.ts')],
    console_environment: [source('console/config.ts')],
  };

  /** The bucket the worker writes evidence to and the key every write names (terraform/modules/cordon/evidence.tf). */
  const EVIDENCE_VARIABLES = ['CORDON_EVIDENCE_BUCKET', 'CORDON_EVIDENCE_KEY_ARN'];

  it('sets only variables the configuration modules read', async () => {
    // Prepare
    const env = locals(await loadTerraform(MODULE));

    // Act
    const blocks = Object.keys(readers).map((block) => ({ block, names: Object.keys(blockAt(env, block)) }));
    const runtime = Object.keys(blockAt(env, 'runtime_environment'));

    // Assess
    for (const { block, names } of blocks) {
      for (const name of names) {
        expect(name, block).toMatch(/^CORDON_/);
        expect(
          readers[block]?.some((text) => text.includes(`${name}:`)),
          `${block}.${name} is read by its configuration module`,
        ).toBe(true);
      }
    }
    expect(runtime.sort()).toEqual(['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL']);
  });

  it("gives the functions the evidence bucket's name and key from the evidence module", async () => {
    // Prepare
    const env = blockAt(locals(await loadTerraform(MODULE)), 'pipeline_environment');

    // Act
    const evidence = Object.fromEntries(EVIDENCE_VARIABLES.map((name) => [name, env[name]]));

    // Assess
    expect(evidence).toEqual({
      CORDON_EVIDENCE_BUCKET: '${module.evidence_bucket.bucket_name}',
      CORDON_EVIDENCE_KEY_ARN: '${module.evidence_bucket.key_arn}',
    });
  });

  it('sets every required pipeline variable from module resources, not literals', async () => {
    // Prepare
    const env = blockAt(locals(await loadTerraform(MODULE)), 'pipeline_environment');

    // Act
    const required = {
      CORDON_SECURITY_ACCOUNT_ID: '${local.account_id}',
      CORDON_TABLE_NAME: '${aws_dynamodb_table.this.name}',
      CORDON_TOPIC_ARN: '${aws_sns_topic.this.arn}',
      CORDON_WORKER_FUNCTION: '${local.function_names.isolate}',
      CORDON_MEMBER_ROLE_NAME: '${var.member_role_name}',
      CORDON_EXTERNAL_ID: '${var.member_external_id}',
      CORDON_APPROVE_ACTION_ID: '${aws_securityhub_action_target.approve.identifier}',
      CORDON_REJECT_ACTION_ID: '${aws_securityhub_action_target.reject.identifier}',
    };

    // Assess
    for (const [name, value] of Object.entries(required)) expect(env[name], name).toBe(value);
    // The one literal: a short lease the worker renews while it lives (see docs/pipeline.md, "Leases").
    expect(env['CORDON_WORKER_LEASE_SECONDS']).toBe('60');
  });

  it("passes the notifications' owner and team tag keys comma-separated from typed variables", async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const env = blockAt(locals(config), 'pipeline_environment');

    // Assess
    expect(env['CORDON_OWNER_TAG_KEYS']).toBe('${join(",", var.owner_tag_keys)}');
    expect(env['CORDON_TEAM_TAG_KEYS']).toBe('${join(",", var.team_tag_keys)}');
    expect(JSON.stringify(config)).toContain('"owner_tag_keys"');
    expect(JSON.stringify(config)).toContain('"team_tag_keys"');
  });

  it('passes the member-account allow-list comma-separated, and leaves it unset without one', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const env = blockAt(locals(config), 'pipeline_environment');
    const variable = JSON.stringify(config).includes('"member_accounts"');

    // Assess
    expect(variable).toBe(true);
    expect(env['CORDON_MEMBER_ACCOUNTS']).toBe(
      '${length(var.member_accounts) > 0 ? join(",", var.member_accounts) : null}',
    );
  });

  it('gives the API its authentication settings and every function the pipeline settings', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const env = locals(config);

    // Act
    const merged = str(env['function_environment'], 'function_environment');
    const api = blockAt(env, 'api_environment');
    const lambda = resource(config, 'aws_lambda_function', 'this');

    // Assess
    expect(merged.replace(/\s+/g, ' ')).toContain(
      'merge( local.runtime_environment, name == "console" ? local.console_environment : local.pipeline_environment, name == "api" ? local.api_environment : {}, )',
    );
    expect(merged).toContain('if value != null');
    expect(at(single(lambda, 'environment'), 'variables')).toBe('${local.function_environment[each.key]}');
    expect(api['CORDON_COGNITO_USER_POOL_ID']).toBe('${one(aws_cognito_user_pool.this[*].id)}');
    expect(api['CORDON_AUTH_CLIENT_ID']).toBe('${one(aws_cognito_user_pool_client.this[*].id)}');
    for (const group of ['REQUESTERS', 'APPROVERS', 'VIEWERS']) {
      expect(api[`CORDON_GROUP_${group}`]).toBe(`\${var.group_names.${group.toLowerCase()}}`);
    }
  });
});

describe('Terraform: console function', () => {
  it('gives the console function only the token endpoint of the console sign-in, as the API has it', async () => {
    // Prepare
    const env = locals(await loadTerraform(MODULE));

    // Act
    const consoleEnv = blockAt(env, 'console_environment');
    const api = blockAt(env, 'api_environment');

    // Assess
    expect(consoleEnv).toEqual({ CORDON_CONSOLE_TOKEN_URL: '${local.api_environment.CORDON_CONSOLE_TOKEN_URL}' });
    expect(api['CORDON_CONSOLE_TOKEN_URL']).toBe(
      '${local.create_user_pool ? "${local.hosted_ui_url}/oauth2/token" : var.console_token_url}',
    );
  });

  it('accepts per-function settings for every function, and only for them', async () => {
    // Prepare
    const settings = variables(await loadTerraform(MODULE))['function_settings'];

    // Act
    const condition = str(at(settings, 'validation', 0, 'condition'), 'function_settings validation');
    const listed = JSON.parse(/contains\((\[[^\]]*\])/.exec(condition)?.[1] ?? '[]') as string[];

    // Assess
    expect(listed.sort()).toEqual([...FUNCTION_NAMES].sort());
    expect(str(settings?.['description'], 'description')).toContain(`(${FUNCTION_NAMES.join(', ')})`);
  });
});

describe('Terraform: alarms', () => {
  it('alarms on every dead-letter queue holding a message', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const alarm = resource(config, 'aws_cloudwatch_metric_alarm', 'dlq_depth');
    const queues = str(locals(config)['dead_letter_queues'], 'dead_letter_queues');

    // Assess
    expect(alarm['for_each']).toBe('${local.dead_letter_queues}');
    expect(queues).toContain('aws_sqs_queue.function_dlq');
    expect(queues).toContain('aws_sqs_queue.events_dlq.name');
    expect(alarm['metric_name']).toBe('ApproximateNumberOfMessagesVisible');
    expect(alarm['comparison_operator']).toBe('GreaterThanThreshold');
    expect(alarm['threshold']).toBe(0);
    expect(alarm['alarm_actions']).toBe('${local.alarm_actions}');
  });

  it('alarms on errors of every function, on FAILED isolations and on exposed resources, to the topic', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const vars = variables(config);

    // Act
    const errors = resource(config, 'aws_cloudwatch_metric_alarm', 'function_errors');
    const failed = resource(config, 'aws_cloudwatch_metric_alarm', 'isolations_failed');
    const exposed = resource(config, 'aws_cloudwatch_metric_alarm', 'isolations_exposed');

    // Assess
    expect(errors['for_each']).toBe('${local.functions}');
    expect(errors['metric_name']).toBe('Errors');
    expect(failed['metric_name']).toBe(METRIC_NAMES.failed);
    expect(failed['namespace']).toBe('${var.metrics_namespace}');
    expect(exposed['metric_name']).toBe(METRIC_NAMES.exposed);
    expect(exposed['threshold']).toBe(1);
    expect(exposed['alarm_actions']).toBe('${local.alarm_actions}');
    expect(vars['metrics_namespace']?.['default']).toBe(METRICS_NAMESPACE);
    expect(strings(locals(config)['alarm_actions'], 'alarm_actions')).toEqual(['${aws_sns_topic.this.arn}']);
  });
});

describe('Terraform: isolation table', () => {
  it('has the key schema, indexes and TTL attribute the store uses', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);
    const env = locals(config);

    // Act
    const indexes = (at(env, 'table_indexes') as unknown[]).map((index) => blockAt(index));
    const table = resource(config, 'aws_dynamodb_table', 'this');
    const gsi = blockAt(table, 'dynamic', 'global_secondary_index', 0);

    // Assess
    expect(env['table_hash_key']).toBe(TABLE_KEYS.partitionKey);
    expect(env['table_range_key']).toBe(TABLE_KEYS.sortKey);
    expect(env['table_ttl_attribute']).toBe(TABLE_TTL_ATTRIBUTE);
    expect(indexes).toEqual(
      TABLE_INDEXES.map((index) => ({ name: index.name, hash_key: index.partitionKey, range_key: index.sortKey })),
    );
    expect(TABLE_INDEXES.every((index) => index.projection === 'ALL')).toBe(true);
    expect(at(gsi, 'content', 0, 'projection_type')).toBe('ALL');
    expect(gsi['for_each']).toBe('${local.table_indexes}');
    expect(table['hash_key']).toBe('${local.table_hash_key}');
    expect(table['range_key']).toBe('${local.table_range_key}');
    expect(at(single(table, 'ttl'), 'attribute_name')).toBe('${local.table_ttl_attribute}');
  });

  it('is on-demand, with point-in-time recovery, encryption and deletion protection as a variable', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const table = resource(config, 'aws_dynamodb_table', 'this');

    // Assess
    expect(table['billing_mode']).toBe('PAY_PER_REQUEST');
    expect(at(single(table, 'point_in_time_recovery'), 'enabled')).toBe(true);
    expect(at(single(table, 'server_side_encryption'), 'enabled')).toBe(true);
    expect(at(single(table, 'ttl'), 'enabled')).toBe(true);
    expect(table['deletion_protection_enabled']).toBe('${var.table_deletion_protection}');
  });
});

describe('Terraform: notifications', () => {
  it('encrypts the topic with a rotated KMS key that alarms and publishers can use', async () => {
    // Prepare
    const config = await loadTerraform(MODULE);

    // Act
    const topic = resource(config, 'aws_sns_topic', 'this');
    const key = resource(config, 'aws_kms_key', 'this');
    const keyPolicy = resource(config, 'aws_iam_policy_document', 'topic_key', 'data');
    const subscriptions = resource(config, 'aws_sns_topic_subscription', 'email');
    const publishers = str(locals(config)['sns_publishers'], 'sns_publishers');

    // Assess
    expect(topic['kms_master_key_id']).toBe('${aws_kms_key.this.arn}');
    expect(key['enable_key_rotation']).toBe(true);
    const principals = nested(keyPolicy, 'statement').flatMap((s) => nested(s, 'principals'));
    expect(principals.map((p) => p['identifiers'])).toContainEqual(['cloudwatch.amazonaws.com']);
    expect(publishers).toContain('"sns:Publish"');
    expect(subscriptions['for_each']).toBe('${toset(var.notification_emails)}');
    expect(subscriptions['protocol']).toBe('email');
  });
});
