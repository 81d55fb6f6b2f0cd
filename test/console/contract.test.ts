/**
 * The API contract (functions/lib/api/contract.ts) is the one set of rules: the console's form check
 * (`requestProblems`) and the server's validation (`parseIsolationRequest`) accept and refuse the same inputs,
 * on the same field; `/config.json` describes each action's parameters from its zod schema; and the console
 * bundle carries the contract without any AWS SDK, Node built-in or pipeline code.
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, ACTIONS } from '../../functions/lib/actions/registry.js';
import { ConfigView, requestProblems } from '../../functions/lib/api/contract.js';
import { parseIsolationRequest } from '../../functions/lib/api/validation.js';
import { actionParams, configView, requestableKindViews } from '../../functions/lib/api/views.js';
import { ValidationError } from '../../functions/lib/errors.js';

const ACCOUNT = '210987654321';
const BASE = {
  resourceType: 'iam-user',
  accountId: ACCOUNT,
  region: 'eu-west-1',
  resourceId: 'dev-carol',
  reason: 'GuardDuty reported credential exfiltration',
};

/** Each row: a change to a valid body, and the field the server refuses it on (undefined: accepted). */
const CASES: { name: string; change: Record<string, unknown>; field?: string }[] = [
  { name: 'a valid IAM user request', change: {} },
  { name: 'an 11-digit account', change: { accountId: '21098765432' }, field: 'accountId' },
  { name: 'an account with a letter', change: { accountId: '21098765432a' }, field: 'accountId' },
  { name: 'a Region that does not exist', change: { region: 'us-east-7' }, field: 'region' },
  { name: 'a GovCloud Region', change: { region: 'us-gov-west-1' } },
  { name: 'a China Region', change: { region: 'cn-north-1' } },
  { name: 'an 8-digit instance id', change: { resourceType: 'ec2-instance', resourceId: 'i-0123abcd' } },
  {
    name: 'a 17-digit instance id',
    change: { resourceType: 'ec2-instance', resourceId: 'i-0123456789abcdef0' },
  },
  {
    name: 'a 16-digit instance id',
    change: { resourceType: 'ec2-instance', resourceId: 'i-0123456789abcdef' },
    field: 'resourceId',
  },
  {
    name: 'an upper-case instance id',
    change: { resourceType: 'ec2-instance', resourceId: 'i-0123ABCD' },
    field: 'resourceId',
  },
  {
    name: 'an instance ARN in the same account and Region',
    change: {
      resourceType: 'ec2-instance',
      resourceId: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
    },
  },
  {
    name: 'a GovCloud instance ARN',
    change: {
      resourceType: 'ec2-instance',
      region: 'us-gov-west-1',
      resourceId: `arn:aws-us-gov:ec2:us-gov-west-1:${ACCOUNT}:instance/i-0123abcd`,
    },
  },
  {
    name: 'an instance ARN of an unknown partition',
    change: {
      resourceType: 'ec2-instance',
      resourceId: `arn:aws-eu:ec2:eu-west-1:${ACCOUNT}:instance/i-0123abcd`,
    },
    field: 'resourceId',
  },
  {
    name: 'an instance ARN with a 12-digit id',
    change: {
      resourceType: 'ec2-instance',
      resourceId: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789ab`,
    },
    field: 'resourceId',
  },
  {
    name: 'an instance ARN in another account',
    change: {
      resourceType: 'ec2-instance',
      resourceId: 'arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0',
    },
    field: 'resourceId',
  },
  {
    name: 'an instance ARN in another Region',
    change: {
      resourceType: 'ec2-instance',
      resourceId: `arn:aws:ec2:eu-central-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
    },
    field: 'resourceId',
  },
  {
    name: 'an IAM user ARN with a path',
    change: { resourceId: `arn:aws:iam::${ACCOUNT}:user/ops/dev-carol` },
  },
  {
    name: 'an IAM user ARN in China',
    change: { region: 'cn-north-1', resourceId: `arn:aws-cn:iam::${ACCOUNT}:user/dev-carol` },
  },
  {
    name: 'an IAM role ARN for a user',
    change: { resourceId: `arn:aws:iam::${ACCOUNT}:role/app` },
    field: 'resourceId',
  },
  {
    name: 'an IAM user ARN in another account',
    change: { resourceId: 'arn:aws:iam::111111111111:user/dev-carol' },
    field: 'resourceId',
  },
  { name: 'an IAM user name with a space', change: { resourceId: 'bad name' }, field: 'resourceId' },
  { name: 'a 65-character IAM user name', change: { resourceId: 'u'.repeat(65) }, field: 'resourceId' },
  { name: 'an IAM role name', change: { resourceType: 'iam-role', resourceId: 'app-server' } },
  {
    name: 'a long-term access key with its owner',
    change: { resourceType: 'iam-access-key', resourceId: 'AKIAABCDEFGHIJKLMNOP', userName: 'ci' },
  },
  {
    name: 'a temporary (ASIA) access key',
    change: { resourceType: 'iam-access-key', resourceId: 'ASIAABCDEFGHIJKLMNOP', userName: 'ci' },
    field: 'resourceId',
  },
  {
    name: 'a lower-case access key',
    change: { resourceType: 'iam-access-key', resourceId: 'akiaabcdefghijklmnop', userName: 'ci' },
    field: 'resourceId',
  },
  {
    name: 'an access key without its owner',
    change: { resourceType: 'iam-access-key', resourceId: 'AKIAABCDEFGHIJKLMNOP' },
    field: 'userName',
  },
  {
    name: 'an access key owner that is not an IAM name',
    change: { resourceType: 'iam-access-key', resourceId: 'AKIAABCDEFGHIJKLMNOP', userName: 'a b' },
    field: 'userName',
  },
  {
    name: 'a resource type that is not requestable',
    change: { resourceType: 'eks-cluster' },
    field: 'resourceType',
  },
  { name: 'an unknown action', change: { action: 'delete-everything' }, field: 'action' },
  { name: 'a registered action', change: { action: 'isolate-iam-user' } },
  { name: 'a reason of 9 characters', change: { reason: 'too short' }, field: 'reason' },
  { name: 'a reason with a line break', change: { reason: 'first line\nsecond line' }, field: 'reason' },
  {
    name: 'a reason with a direction override',
    change: { reason: 'see ticket \u202eevil' },
    field: 'reason',
  },
  { name: 'a ticket', change: { ticket: 'SEC-42' } },
  { name: 'a ticket with a space', change: { ticket: 'SEC 42' }, field: 'ticket' },
  { name: 'a ticket with NUL', change: { ticket: 'SEC-42\u0000' }, field: 'ticket' },
  { name: 'an unknown field', change: { owner: 'me' }, field: 'owner' },
  { name: 'an emergency request', change: { immediate: true } },
];

function serverField(body: Record<string, unknown>): string | undefined {
  try {
    parseIsolationRequest(body);
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details[0] ?? '').split(':')[0];
  }
}

describe('API contract: one set of rules for the server and the console', () => {
  it.each(CASES)('$name: both accept it, or both refuse it on the same field', ({ change, field }) => {
    // Prepare
    const body = { ...BASE, ...change };

    // Act
    const server = serverField(body);
    const console = Object.keys(
      requestProblems(body, { actionNames: ACTION_NAMES, kinds: requestableKindViews() }),
    );

    // Assess
    expect(server).toBe(field);
    expect(console).toEqual(field === undefined ? [] : [field]);
  });

  it('describes each action’s parameters from its zod schema: kind, options, default, description, irreversible', () => {
    // Act
    const config = ConfigView.parse(
      configView({
        auth: {
          kind: 'oidc',
          issuer: 'https://x',
          audience: 'a',
          jwksUri: 'https://x/jwks',
          tokenUse: 'any',
        },
        groups: { claim: 'groups', requesters: 'r', approvers: 'a', viewers: 'v' },
        region: 'eu-west-1',
        sandbox: false,
      }),
    );
    const byName = new Map(config.actions.map((a) => [a.name, a]));

    // Assess
    expect([...byName.keys()]).toEqual([...ACTIONS.keys()]);
    expect(byName.get('isolate-iam-user')?.params).toEqual([
      {
        name: 'removeConsoleAccess',
        kind: 'boolean',
        default: false,
        description: expect.stringContaining('release cannot restore it'),
        irreversible: true,
      },
    ]);
    expect(byName.get('isolate-ec2-instance')?.params).toContainEqual(
      expect.objectContaining({
        name: 'autoScaling',
        kind: 'enum',
        options: ['standby', 'detach', 'none'],
        default: 'standby',
        irreversible: false,
      }),
    );
    expect(byName.get('revoke-role-sessions')?.params).toEqual([]);
    expect(config.requestableKinds.map((k) => [k.type, k.label, k.needsUserName])).toEqual([
      ['ec2-instance', 'EC2 instance', false],
      ['iam-user', 'IAM user', false],
      ['iam-access-key', 'IAM access key', true],
      ['iam-role', 'IAM role', false],
      ['s3-bucket', 'S3 bucket', false],
      ['identity-center-user', 'Identity Center user', false],
      ['lambda-function', 'Lambda function', false],
      ['rds-db-instance', 'RDS DB instance', false],
      ['ecs-task', 'ECS task', false],
    ]);
    // The console compiles each pattern from its source: the same pattern as the server's.
    for (const kind of config.requestableKinds) expect(() => new RegExp(kind.idPattern)).not.toThrow();
  });

  it('lists a new parameter of any kind without a console change', () => {
    // Prepare: an action whose schema grows a text, a number and a list parameter
    const action = {
      params: z
        .object({
          label: z.string().default('incident').describe('A tag value'),
          hours: z.number().int().optional(),
          keep: z.array(z.string()).default([]),
        })
        .strict(),
      irreversibleParams: ['keep'],
    };

    // Act
    const params = actionParams(action);

    // Assess
    expect(params).toEqual([
      { name: 'label', kind: 'string', default: 'incident', description: 'A tag value', irreversible: false },
      { name: 'hours', kind: 'number', irreversible: false },
      { name: 'keep', kind: 'json', default: [], irreversible: true },
    ]);
  });

  it('is bundled into the console without AWS SDK, Node built-ins or pipeline code', async () => {
    // Act
    const result = await build({
      entryPoints: [resolve('console/src/main.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);

    // Assess (store/model.ts keys records by the account acted on: findings/account.ts, dependency-free)
    expect(inputs).toContainEqual(expect.stringMatching(/functions\/lib\/api\/contract\.ts$/));
    expect(
      inputs.filter((f) =>
        /@aws-sdk|aws-jwt-verify|^node:|lib\/(actions|pipeline|aws|policy|report)\/|lib\/findings\/(?!account\.ts)|lib\/store\/(?!model\.ts)/.test(
          f,
        ),
      ),
    ).toEqual([]);
  });
});
