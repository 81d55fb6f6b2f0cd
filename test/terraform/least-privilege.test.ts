import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../functions/lib/actions/registry.js';
import type { ActionDefinition, PermissionScope } from '../../functions/lib/actions/contract.js';
import { CONTAIN_USERS, PASS_ROLE_BACK_TO_EC2 } from '../../functions/lib/actions/iam-scopes.js';
import { FUNCTION_PERMISSIONS } from '../../functions/lib/permissions.js';
import { EVIDENCE_DECLARERS } from '../../functions/lib/evidence/kinds.js';
import {
  FUNCTION_PERMISSIONS_FILE,
  MEMBER_ROLE_PERMISSIONS_FILE,
  buildFunctionPermissions,
  buildMemberRolePolicy,
  renderFunctionPermissions,
  renderMemberRolePolicy,
  type FunctionPermissionsFile,
  type MemberRolePolicy,
} from '../../scripts/terraform-permissions.js';
import {
  ROOT,
  allResources,
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

const CORDON = 'terraform/modules/cordon';
const MEMBER = 'terraform/modules/member-role';
const REGENERATE = 'stale: run `npx tsx scripts/terraform-permissions.ts` and commit the result';

/** What the Lambda platform itself needs from every execution role, beyond the code's own calls. */
const PLATFORM_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];
const EXPLICIT_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

function committedFunctionPermissions(): FunctionPermissionsFile {
  return JSON.parse(readFileSync(path.join(ROOT, FUNCTION_PERMISSIONS_FILE), 'utf8')) as FunctionPermissionsFile;
}

function committedMemberPolicy(): MemberRolePolicy {
  return JSON.parse(readFileSync(path.join(ROOT, MEMBER_ROLE_PERMISSIONS_FILE), 'utf8')) as MemberRolePolicy;
}

/** Every IAM action a function's role allows, read from the HCL and the JSON file it loads. */
async function roleActions(fn: string): Promise<{ actions: string[]; byResource: Map<string, string[]> }> {
  const config = await loadTerraform(CORDON);
  const document = resource(config, 'aws_iam_policy_document', 'function', 'data');
  const staticActions = nested(document, 'statement').flatMap((s) => strings(s['actions'], 'statement.actions'));
  const byResource = new Map<string, string[]>();
  for (const statement of committedFunctionPermissions().functions[fn] ?? []) {
    byResource.set(statement.resource, [...(byResource.get(statement.resource) ?? []), ...statement.actions]);
  }
  const declared = [...byResource.values()].flat();
  return { actions: [...new Set([...staticActions, ...declared])].sort(), byResource };
}

describe('Terraform: function roles are least privilege', () => {
  it('keeps function-permissions.json in step with FUNCTION_PERMISSION_STATEMENTS', () => {
    // Prepare
    const committed = readFileSync(path.join(ROOT, FUNCTION_PERMISSIONS_FILE), 'utf8');

    // Act
    const expected = renderFunctionPermissions();

    // Assess
    expect(committed, `${FUNCTION_PERMISSIONS_FILE} is ${REGENERATE}`).toBe(expected);
  });

  it("gives each function role exactly its code's declared actions plus logs and its dead-letter queue", async () => {
    for (const fn of entryPoints()) {
      // Prepare
      const declared = FUNCTION_PERMISSIONS[fn as keyof typeof FUNCTION_PERMISSIONS];

      // Act
      const { actions } = await roleActions(fn);

      // Assess
      expect(declared, `FUNCTION_PERMISSIONS has no entry for ${fn}`).toBeDefined();
      expect(actions, fn).toEqual([...new Set([...(declared ?? []), ...PLATFORM_ACTIONS])].sort());
    }
  });

  it('builds every role policy from the generated statements, scoped by resource kind', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);

    // Act
    const document = resource(config, 'aws_iam_policy_document', 'function', 'data');
    const dynamic = blockAt(document, 'dynamic', 'statement', 0);
    const content = blockAt(dynamic, 'content', 0);
    const policy = resource(config, 'aws_iam_role_policy', 'function');
    const statics = nested(document, 'statement');

    // Assess
    expect(document['for_each']).toBe('${local.functions}');
    expect(dynamic['for_each']).toBe('${local.function_permissions[each.key]}');
    expect(content['actions']).toBe('${statement.value.actions}');
    expect(content['resources']).toBe('${local.permission_resources[statement.value.resource]}');
    expect(content['effect']).toBe('Allow');
    expect(str(locals(config)['function_permissions'], 'function_permissions')).toContain(
      'file("${path.module}/function-permissions.json")',
    );
    expect(policy['policy']).toBe('${data.aws_iam_policy_document.function[each.key].json}');
    expect(policy['role']).toBe('${aws_iam_role.function[each.key].id}');
    expect(statics.map((s) => s['resources'])).toEqual([
      ['${aws_cloudwatch_log_group.function[each.key].arn}:*'],
      ['${aws_sqs_queue.function_dlq[each.key].arn}'],
    ]);
  });

  it('attaches no other policy to the roles and trusts only Lambda', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);

    // Act
    const role = resource(config, 'aws_iam_role', 'function');
    const trust = resource(config, 'aws_iam_policy_document', 'lambda_trust', 'data');
    const statements = nested(trust, 'statement');

    // Assess
    expect(resourceNames(config, 'aws_iam_role_policy')).toEqual(['function']);
    expect(resourceNames(config, 'aws_iam_role_policy_attachment')).toEqual([]);
    expect(resourceNames(config, 'aws_iam_policy')).toEqual([]);
    expect(role['managed_policy_arns']).toBeUndefined();
    expect(role['inline_policy']).toBeUndefined();
    expect(role['assume_role_policy']).toBe('${data.aws_iam_policy_document.lambda_trust.json}');
    expect(statements).toHaveLength(1);
    expect(statements[0]?.['actions']).toEqual(['sts:AssumeRole']);
    expect(at(single(statements[0] ?? {}, 'principals'), 'identifiers')).toEqual(['lambda.amazonaws.com']);
  });

  it('lets only the worker write evidence: PutObject on the bucket objects, the key only through S3', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);
    const resources = blockAt(locals(config), 'permission_resources');

    // Act
    const { byResource } = await roleActions('isolate');
    const others = await Promise.all(
      entryPoints()
        .filter((fn) => fn !== 'isolate')
        .map(async (fn) => [...(await roleActions(fn)).byResource.keys()]),
    );

    // Assess
    expect(byResource.get('evidence-bucket')).toEqual(['s3:PutObject']);
    expect(byResource.get('evidence-key')).toEqual(['kms:GenerateDataKey']);
    expect(others.flat()).not.toContain('evidence-bucket');
    expect(others.flat()).not.toContain('evidence-key');
    expect(resources['evidence-bucket']).toEqual(['${local.evidence_bucket_arn}/*']);
    expect(resources['evidence-key']).toEqual(['${module.evidence_bucket.key_arn}']);
    expect(blockAt(locals(config), 'permission_conditions')['evidence-key']).toBe('${local.evidence_key_conditions}');
    expect(locals(config)['evidence_worker_policy']).toBeUndefined();
  });

  it("lets only the API check evidence: manifests' content, versions' checksums, the key for manifests only", async () => {
    // Prepare
    const config = await loadTerraform(CORDON);
    const resources = blockAt(locals(config), 'permission_resources');
    const kinds = ['evidence-manifests', 'evidence-versions', 'evidence-manifest-key'];

    // Act
    const { byResource } = await roleActions('api');
    const others = await Promise.all(
      entryPoints()
        .filter((fn) => fn !== 'api')
        .map(async (fn) => [...(await roleActions(fn)).byResource.keys()]),
    );

    // Assess
    expect(byResource.get('evidence-manifests')).toEqual(['s3:GetObject']);
    expect(byResource.get('evidence-versions')).toEqual(['s3:GetObjectVersion', 's3:GetObjectVersionAttributes']);
    expect(byResource.get('evidence-manifest-key')).toEqual(['kms:Decrypt']);
    expect(byResource.get('evidence-bucket')).toBeUndefined();
    for (const kind of kinds) expect(others.flat()).not.toContain(kind);
    expect(resources['evidence-manifests']).toEqual(['${local.evidence_bucket_arn}/*/manifest.json']);
    expect(resources['evidence-versions']).toEqual(['${local.evidence_bucket_arn}/*']);
    expect(blockAt(locals(config), 'permission_conditions')['evidence-manifest-key']).toBe(
      '${local.evidence_manifest_key_conditions}',
    );
  });

  it('uses no wildcard action and no wildcard resource in any function role', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);
    const resources = blockAt(locals(config), 'permission_resources');

    // Act
    const all = (await Promise.all(entryPoints().map((fn) => roleActions(fn)))).flatMap((r) => r.actions);
    const arns = Object.values(resources).flatMap((list) => strings(list, 'permission_resources'));

    // Assess
    for (const action of all) expect(action).toMatch(EXPLICIT_ACTION);
    expect(arns).not.toContain('*');
    const kinds = new Set(
      Object.values(committedFunctionPermissions().functions).flatMap((list) => list.map((s) => s.resource)),
    );
    for (const kind of kinds) expect(Object.keys(resources), `no ARNs for resource kind ${kind}`).toContain(kind);
  });

  it('lets the worker assume only the member role name and the API only the lookup role name, inside the organisation', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);
    const resources = blockAt(locals(config), 'permission_resources');

    // Act
    const holders = entryPoints().filter((fn) =>
      (FUNCTION_PERMISSIONS[fn as keyof typeof FUNCTION_PERMISSIONS] ?? []).some((a) => a.startsWith('sts:')),
    );
    const { byResource } = await roleActions('isolate');
    const api = await roleActions('api');

    // Assess
    expect(holders.sort()).toEqual(['api', 'isolate']);
    expect(byResource.get('member-role')).toEqual(['sts:AssumeRole']);
    // The API assumes only the read-only lookup role (ec2:DescribeInstances), never the member role.
    expect(api.byResource.get('member-role')).toBeUndefined();
    expect([...api.byResource.entries()].filter(([, actions]) => actions.some((a) => a.startsWith('sts:')))).toEqual([
      ['lookup-role', ['sts:AssumeRole']],
    ]);
    expect(resources['lookup-role']).toEqual(['arn:${local.partition}:iam::*:role/${var.lookup_role_name}']);
    expect(blockAt(locals(config), 'permission_conditions')['lookup-role']).toEqual([
      { test: 'StringEquals', variable: 'aws:ResourceOrgID', values: ['${var.organization_id}'] },
    ]);
    expect(resources['member-role']).toEqual(['arn:${local.partition}:iam::*:role/${var.member_role_name}']);
    // The ARN cannot name the organisation; the condition does, so no account outside it is ever entered.
    expect(blockAt(locals(config), 'permission_conditions')['member-role']).toEqual([
      { test: 'StringEquals', variable: 'aws:ResourceOrgID', values: ['${var.organization_id}'] },
    ]);
    const content = blockAt(resource(config, 'aws_iam_policy_document', 'function', 'data'), 'dynamic', 'statement', 0, 'content', 0);
    expect(at(content, 'dynamic', 'condition', 0, 'for_each')).toBe(
      '${lookup(local.permission_conditions, statement.value.resource, [])}',
    );
    expect(variables(config)['organization_id']?.['default']).toBeUndefined();
  });

  it('lets triage invoke only the worker', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);
    const env = locals(config);

    // Act
    const { byResource } = await roleActions('triage');
    const lambdaActions = [...byResource.entries()].filter(([, actions]) => actions.some((a) => a.startsWith('lambda:')));

    // Assess
    expect(lambdaActions).toEqual([['worker', ['lambda:InvokeFunction']]]);
    expect(blockAt(env, 'permission_resources')['worker']).toEqual(['${local.worker_function_arn}']);
    expect(env['worker_function_arn']).toBe(
      'arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_names.isolate}',
    );
  });

  it('lets the API read and write the table and invoke the worker', async () => {
    // Prepare
    const config = await loadTerraform(CORDON);

    // Act
    const { byResource } = await roleActions('api');

    // Assess
    expect(byResource.get('table')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(byResource.get('worker')).toEqual(['lambda:InvokeFunction']);
    expect(blockAt(locals(config), 'permission_resources')['table']).toEqual([
      '${aws_dynamodb_table.this.arn}',
      '${aws_dynamodb_table.this.arn}/index/*',
    ]);
  });

  it('gives the console function nothing beyond its own logs and dead-letter queue', async () => {
    // Act
    const { actions, byResource } = await roleActions('console');

    // Assess
    expect(FUNCTION_PERMISSIONS.console).toEqual([]);
    expect(committedFunctionPermissions().functions['console']).toEqual([]);
    expect(byResource.size).toBe(0);
    expect(actions).toEqual([...PLATFORM_ACTIONS].sort());
  });

  it('rejects a wildcard permission declared by the code', () => {
    // Prepare
    const declared = { triage: [{ resource: 'table', actions: ['dynamodb:*'] }] };

    // Act
    const build = () => buildFunctionPermissions(declared);

    // Assess
    expect(build).toThrow(/dynamodb:\*/);
  });
});

describe('Terraform: member role', () => {
  it('keeps permissions.json in step with the action registry', () => {
    // Prepare
    const committed = readFileSync(path.join(ROOT, MEMBER_ROLE_PERMISSIONS_FILE), 'utf8');

    // Act
    const expected = renderMemberRolePolicy();

    // Assess
    expect(committed, `${MEMBER_ROLE_PERMISSIONS_FILE} is ${REGENERATE}`).toBe(expected);
  });

  it('documents every generated statement in docs/iam.md', () => {
    // Prepare
    const doc = readFileSync(path.join(ROOT, 'docs', 'iam.md'), 'utf8');
    const committed = JSON.parse(readFileSync(path.join(ROOT, MEMBER_ROLE_PERMISSIONS_FILE), 'utf8')) as {
      statements: { sid: string }[];
    };

    // Act
    const undocumented = committed.statements.map((st) => st.sid).filter((sid) => !doc.includes(`| \`${sid}\``));

    // Assess
    expect(undocumented, 'add a row per statement to the member-role table of docs/iam.md').toEqual([]);
  });

  it("allows exactly the union of the registered actions' and evidence collectors' permissions, each where its scope puts it", () => {
    // Prepare
    const declarers = [...ACTIONS.values(), ...EVIDENCE_DECLARERS];
    const union = [...new Set(declarers.flatMap((a) => a.permissions))].sort();

    // Act
    const policy = committedMemberPolicy();
    const granted = policy.statements.flatMap((s) => s.actions);

    // Assess
    expect([...new Set(granted)].sort()).toEqual(union);
    // A permission may sit in several statements (CreateTags: groups and snapshots being created, instances), but
    // never twice in one, and never twice with the same resources.
    for (const statement of policy.statements) expect(new Set(statement.actions).size, statement.sid).toBe(statement.actions.length);
    const placements = policy.statements.flatMap((s) => s.actions.map((a) => `${a} ${s.resources.join(',')}`));
    expect(new Set(placements).size).toBe(placements.length);
    expect(new Set(policy.statements.map((s) => s.sid)).size).toBe(policy.statements.length);
    expect(policy.actions).toEqual(union);
    for (const action of granted) expect(action).toMatch(EXPLICIT_ACTION);
  });

  it('deploys the generated statements and denies them on its own role', async () => {
    // Prepare
    const config = await loadTerraform(MEMBER);

    // Act
    const document = resource(config, 'aws_iam_policy_document', 'this', 'data');
    const [allow, deny] = nested(blockAt(document, 'dynamic'), 'statement');
    const policy = resource(config, 'aws_iam_role_policy', 'this');

    // Assess
    expect(nested(document, 'statement')).toEqual([]);
    expect(allow?.['for_each']).toBe('${local.statements}');
    expect(str(locals(config)['statements'], 'statements')).toContain(
      'if(var.identity_center_admin || !statement.identityCenterAdminOnly) && (length(var.memory_capture_documents) > 0 || !try(statement.memoryCaptureOnly, false))',
    );
    expect(at(allow, 'content', 0, 'effect')).toBe('Allow');
    expect(at(allow, 'content', 0, 'actions')).toBe('${statement.value.actions}');
    expect(at(allow, 'content', 0, 'resources')).toBe('${statement.value.resources}');
    expect(at(deny, 'content', 0, 'effect')).toBe('Deny');
    expect(at(deny, 'content', 0, 'resources')).toEqual(['${local.role_arn}']);
    expect(str(locals(config)['permissions'], 'permissions')).toContain('templatefile("${path.module}/permissions.json"');
    expect(policy['policy']).toBe('${data.aws_iam_policy_document.this.json}');
    expect(resourceNames(config, 'aws_iam_role_policy_attachment')).toEqual([]);
  });

  it('is trusted only by the worker role, and always requires the organisation and the external id', async () => {
    // Prepare
    const config = await loadTerraform(MEMBER);

    // Act
    const trust = resource(config, 'aws_iam_policy_document', 'trust', 'data');
    const statements = nested(trust, 'statement');
    const conditions = nested(statements[0] ?? {}, 'condition');
    const vars = variables(config);
    const role = resource(config, 'aws_iam_role', 'this');

    // Assess
    expect(statements).toHaveLength(1);
    expect(statements[0]?.['actions']).toEqual(['sts:AssumeRole']);
    expect(single(statements[0] ?? {}, 'principals')).toEqual({ type: 'AWS', identifiers: ['${var.worker_role_arn}'] });
    // Static blocks, not `dynamic` ones that a null variable would drop.
    expect(statements[0]?.['dynamic']).toBeUndefined();
    expect(conditions).toEqual([
      { test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['${var.organization_id}'] },
      { test: 'StringEquals', variable: 'sts:ExternalId', values: ['${var.external_id}'] },
    ]);
    for (const name of ['organization_id', 'external_id']) {
      expect(vars[name], name).toBeDefined();
      expect(vars[name]?.['default'], `${name} has no default: it is required`).toBeUndefined();
      expect(str(at(vars[name], 'validation', 0, 'condition'), name)).not.toContain('== null');
    }
    expect(role['assume_role_policy']).toBe('${data.aws_iam_policy_document.trust.json}');
  });

  it('deploys the same permissions through the StackSet', async () => {
    // Prepare
    const config = await loadTerraform('terraform/modules/member-role-stackset');

    // Act
    const permissions = str(locals(config)['permissions'], 'permissions');
    const template = str(locals(config)['allow_statements'], 'allow_statements');

    // Assess
    expect(permissions).toContain('templatefile("${path.module}/../member-role/permissions.json"');
    expect(template).toContain('for statement in local.permissions.statements');
    // The OUs' accounts never get the Identity Center statements: only the member role with identity_center_admin.
    expect(template).toContain('if !statement.identityCenterAdminOnly');
    expect(resource(config, 'aws_cloudformation_stack_set', 'this')['permission_model']).toBe('SERVICE_MANAGED');
  });

  it('places a permission by the scope its action declares, else by the fallback rules', () => {
    // Prepare
    const action = fakeAction(['iam:GetUser', 'iam:PassRole', 'ec2:DescribeInstances', 'ec2:CreateSnapshot'], {
      'iam:PassRole': [PASS_ROLE_BACK_TO_EC2],
    });

    // Act
    const policy = buildMemberRolePolicy([action]);
    const bySid = new Map(policy.statements.map((s) => [s.sid, s]));

    // Assess
    expect(bySid.get('PassRoleBackToEc2Only')).toEqual({
      sid: 'PassRoleBackToEc2Only',
      actions: ['iam:PassRole'],
      resources: ['arn:${partition}:iam::${account_id}:role/*'],
      conditions: [
        { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] },
        { test: 'ArnLike', variable: 'iam:AssociatedResourceArn', values: ['arn:${partition}:ec2:*:${account_id}:instance/*'] },
      ],
      why: PASS_ROLE_BACK_TO_EC2.why,
      identityCenterAdminOnly: false,
    });
    expect(bySid.get('IamUsersRolesAndProfiles')?.actions).toEqual(['iam:GetUser']);
    expect(bySid.get('DescribeForEvidence')?.actions).toEqual(['ec2:DescribeInstances']);
    expect(bySid.get('Ec2Containment')?.actions).toEqual(['ec2:CreateSnapshot']);
    expect(policy.selfProtectionActions).toEqual(['iam:PassRole']);
    expect(policy.declaredBy['iam:PassRole']).toEqual(['fake-action']);
  });

  it('applies a scope declared by one action to every action declaring the permission, in one statement', () => {
    // Prepare
    const scoped = fakeAction(['iam:PutUserPolicy'], { 'iam:PutUserPolicy': [CONTAIN_USERS] }, 'scoped');
    const plain = fakeAction(['iam:PutUserPolicy', 'iam:GetUser'], undefined, 'plain');

    // Act
    const policy = buildMemberRolePolicy([scoped, plain]);

    // Assess
    expect(policy.statements.map((s) => [s.sid, s.actions])).toEqual([
      ['IamContainUsers', ['iam:PutUserPolicy']],
      ['IamUsersRolesAndProfiles', ['iam:GetUser']],
    ]);
  });

  it.each([
    [
      'a scope for a permission the action does not declare',
      [fakeAction(['iam:GetUser'], { 'iam:PutUserPolicy': [CONTAIN_USERS] })],
      /scopes "iam:PutUserPolicy", which its permissions do not declare/,
    ],
    [
      'two different statements under one sid',
      [
        fakeAction(['iam:PutUserPolicy'], { 'iam:PutUserPolicy': [CONTAIN_USERS] }, 'a'),
        fakeAction(['iam:PutUserPolicy'], { 'iam:PutUserPolicy': [{ ...CONTAIN_USERS, resources: ['*'] }] }, 'b'),
      ],
      /declares statement IamContainUsers unlike another action does/,
    ],
    ['PassRole without a declared scope', [fakeAction(['iam:PassRole'])], /iam:PassRole needs a declared scope/],
    ['AttachUserPolicy without a declared scope', [fakeAction(['iam:AttachUserPolicy'])], /needs a declared scope/],
  ])('refuses %s', (_name, actions, message) => {
    expect(() => buildMemberRolePolicy(actions)).toThrow(message);
  });

  it('grants the Identity Center actions only where identity_center_admin is true, scoped to Identity Center ARNs', async () => {
    // Prepare
    const action = fakeAction(['sso:PutInlinePolicyToPermissionSet', 'sso:ListInstances', 'identitystore:GetUserId', 'iam:GetRole']);

    // Act
    const policy = buildMemberRolePolicy([action]);
    const adminOnly = policy.statements.filter((s) => s.identityCenterAdminOnly);
    const variable = variables(await loadTerraform(MEMBER))['identity_center_admin'];

    // Assess
    expect(adminOnly.map((s) => [s.sid, s.actions])).toEqual([
      ['IdentityCenterPermissionSets', ['identitystore:GetUserId', 'sso:PutInlinePolicyToPermissionSet']],
      ['IdentityCenterInstances', ['sso:ListInstances']],
    ]);
    expect(adminOnly[0]?.resources.every((r) => /^arn:\$\{partition\}:(sso|identitystore):/.test(r))).toBe(true);
    expect(policy.statements.find((s) => s.sid === 'IamUsersRolesAndProfiles')?.identityCenterAdminOnly).toBe(false);
    expect(variable?.['default']).toBe(false);
    expect(variable?.['type']).toBe('${bool}');
  });

  it('grants Systems Manager only with memory_capture_documents: SendCommand on the listed documents and instances', async () => {
    // Act
    const policy = buildMemberRolePolicy();
    const memoryOnly = policy.statements.filter((s) => s.memoryCaptureOnly === true);
    const variable = variables(await loadTerraform(MEMBER))['memory_capture_documents'];

    // Assess: every ssm action sits in a memory-capture statement, and no other statement is one.
    expect(memoryOnly.map((s) => [s.sid, s.actions, s.resources, s.addMemoryCaptureDocuments ?? false])).toEqual([
      ['MemoryCaptureDocuments', ['ssm:DescribeDocument'], [], true],
      ['MemoryCaptureRunCommand', ['ssm:SendCommand'], ['arn:${partition}:ec2:*:${account_id}:instance/*'], true],
      ['MemoryCaptureCommandStatus', ['ssm:GetCommandInvocation'], ['*'], false],
    ]);
    const defaults = policy.statements.filter((s) => s.memoryCaptureOnly !== true);
    expect(defaults.flatMap((s) => s.actions).filter((a) => a.startsWith('ssm:'))).toEqual([]);
    expect(variable?.['default']).toEqual([]);
    expect(variable?.['type']).toBe('${list(string)}');
    expect(String(variable?.['description'])).toMatch(/grants no Systems Manager permission/);
  });

  it('rejects a wildcard permission declared by an action', () => {
    // Prepare
    const action = fakeAction(['iam:*']);

    // Act
    const build = () => buildMemberRolePolicy([action]);

    // Assess
    expect(build).toThrow(/fake-action declares permission "iam:\*"/);
  });
});

describe('Terraform: no wildcard actions in any policy cordon deploys', () => {
  it('keeps `*` actions out of every IAM policy document except the KMS key administration statement', async () => {
    // Prepare
    const configs = await Promise.all([CORDON, MEMBER].map((dir) => loadTerraform(dir)));

    // Act
    const offenders = configs.flatMap((config) =>
      allResources(config, 'data')
        .filter((r) => r.type === 'aws_iam_policy_document')
        .flatMap((r) =>
          nested(r.block, 'statement')
            .filter((s) => strings(s['actions'], `${r.name}.actions`).some((a) => a.includes('*')))
            .map((s) => `${r.name}:${str(s['sid'], 'sid')}`),
        ),
    );

    // Assess
    expect(offenders).toEqual(['topic_key:AccountAdministration']);
  });
});

function fakeAction(
  permissions: string[],
  scoping?: Record<string, PermissionScope[]>,
  name = 'fake-action',
): ActionDefinition {
  return {
    name,
    description: 'test double',
    resourceTypes: ['ec2-instance'],
    params: z.object({}),
    permissions,
    ...(scoping === undefined ? {} : { scoping }),
    steps: { apply: [], release: [] },
    limitations: [],
    apply: () => Promise.reject(new Error('not called')),
    release: () => Promise.reject(new Error('not called')),
  };
}
