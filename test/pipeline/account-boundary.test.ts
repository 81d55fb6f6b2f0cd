/**
 * Hostile but well-formed findings (GuardDuty and Security Hub) that name a resource cordon must not act on:
 * in another account than the finding's, in an account the policy excludes, in the security account, or outside
 * the member-account allow-list. Each is refused with a logged reason code and recorded as a SKIPPED isolation
 * (written back and notified, never silent), and nothing is mutated: no worker run, no AssumeRole, no AWS write
 * but cordon's own record and reports, and the instance in moto keeps its security groups.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/lib/config.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import type { PipelineLogger } from '../../functions/lib/observability.js';
import { triageEvent, type TriageResult } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { useMoto } from '../support/moto.js';
import {
  ACCOUNT,
  asffTwin,
  createWorld,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  isReadOnly,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });

/** The account a hostile finding claims to come from; the instance it names lives in ACCOUNT (moto's). */
const ATTACKER = '444455556666';

interface LogLine {
  level: string;
  message: string;
  keys: Record<string, unknown>;
}

/** A logger that keeps every line with its correlation keys and attributes. */
function capturingLogger(lines: LogLine[], keys: Record<string, unknown> = {}): PipelineLogger {
  const log =
    (level: string) =>
    (message: string, ...extra: unknown[]): void => {
      const attributes = Object.assign({}, ...extra.filter((e) => typeof e === 'object')) as object;
      lines.push({ level, message, keys: { ...keys, ...attributes } });
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    withKeys: (more) => capturingLogger(lines, { ...keys, ...more }),
  };
}

/** A world whose logs are kept. */
async function loggedWorld(options: Parameters<typeof createWorld>[1] = {}) {
  const world = await createWorld(moto, options);
  const lines: LogLine[] = [];
  world.deps.logger = capturingLogger(lines);
  return { world, lines };
}

/** The same instance finding, as a Security Hub finding claimed by another account than the instance's. */
function crossAccountFinding(instanceId: string): Record<string, unknown> {
  return { ...asffTwin(guardDutyEvent(instanceId)), AwsAccountId: ATTACKER };
}

/**
 * Triage `event`, run whatever the worker was given, and prove that nothing was touched: no role assumed, no AWS
 * write but cordon's own records and reports. With `refused`, the refusal is recorded as one SKIPPED isolation
 * with that code, written back on the finding once; without, nothing is recorded or written back at all.
 */
async function expectNothingDone(
  world: PipelineWorld,
  instance: { instanceId: string; groupId: string },
  event: Record<string, unknown>,
  refused?: string,
): Promise<TriageResult> {
  const before = world.recorder.commands.length;
  const writeBacksBefore = world.writeBacks().length;
  const result = await triageEvent(world.deps, event);
  const runs = await world.worker.drain();
  expect(runs).toEqual([]);
  const sent = world.recorder.commands.slice(before);
  expect(sent.filter((c) => c.command === 'AssumeRole')).toEqual([]);
  const ownWrites = /^(dynamodb|sns):/;
  expect(
    sent.filter((c) => !isReadOnly(c.command) && !ownWrites.test(c.iamAction)).map((c) => c.iamAction),
  ).toEqual([]);
  const records = (await world.store.list({ resourceId: instance.instanceId, limit: 10 })).items;
  const writeBacks = world.writeBacks().slice(writeBacksBefore);
  if (refused === undefined) {
    expect(records).toEqual([]);
    expect(writeBacks).toEqual([]);
  } else {
    expect(records.map((r) => [r.status, r.failure?.code, r.failure?.refusal])).toEqual([
      ['SKIPPED', 'REFUSED', refused],
    ]);
    expect(writeBacks.map((w) => w.Note?.Text)).toEqual([expect.stringMatching(/was skipped/)]);
  }
  expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
  return result;
}

function refusals(lines: LogLine[]): { findingKey: unknown; reasonCode: unknown }[] {
  return lines
    .filter((l) => l.level === 'warn' && l.keys['reasonCode'] !== undefined)
    .map((l) => ({ findingKey: l.keys['findingKey'], reasonCode: l.keys['reasonCode'] }));
}

describe('Account boundary: a resource in another account than the finding', () => {
  it('refuses a Security Hub finding from one account that names an instance in another', async () => {
    // Prepare
    const { world, lines } = await loggedWorld();
    const instance = await launchInstance(world.ec2);
    const finding = crossAccountFinding(instance.instanceId);

    // Act
    const result = await expectNothingDone(world, instance, importedEvent(finding), 'cross-account-resource');

    // Assess
    const outcome = result.findings[0];
    expect(outcome?.actions).toEqual([]);
    expect(outcome?.refusedAccounts?.map((r) => [r.resourceId, r.accountId, r.refusedCode])).toEqual([
      [instance.instanceId, ACCOUNT, 'cross-account-resource'],
    ]);
    expect(refusals(lines)).toEqual([{ findingKey: finding['Id'], reasonCode: 'cross-account-resource' }]);
  });
});

describe('Account boundary: a resource in an account the policy excludes', () => {
  // The defect: `accounts` matched the finding's account, so a finding from ATTACKER reached ACCOUNT's instance.
  const policy = loadPolicyFromStrings([
    {
      file: 'accounts.yaml',
      text: `version: 1
settings:
  allowCrossAccountResources: true
rules:
  - name: contain-outside-prod
    match: { resourceType: ec2-instance, accounts: { exclude: ['${ACCOUNT}'] } }
    action: isolate-ec2-instance
    mode: auto
`,
    },
  ]);

  it('does not match the rule for a Security Hub finding claimed by an included account', async () => {
    // Prepare
    const { world, lines } = await loggedWorld({ policy });
    const instance = await launchInstance(world.ec2);

    // Act
    const result = await expectNothingDone(
      world,
      instance,
      importedEvent(crossAccountFinding(instance.instanceId)),
    );

    // Assess
    expect(result.findings[0]?.rule).toBeNull();
    expect(result.findings[0]?.reasons).toEqual(['no rule matched (1 evaluated)']);
    const logged = lines.find((l) => l.message === 'no policy rule matches');
    expect(logged?.keys['reasons']).toEqual(['no rule matched (1 evaluated)']);
  });

  it('does not match the rule for a GuardDuty finding in the excluded account', async () => {
    // Prepare
    const { world } = await loggedWorld({ policy });
    const instance = await launchInstance(world.ec2);

    // Act
    const result = await expectNothingDone(world, instance, guardDutyEvent(instance.instanceId));

    // Assess
    expect(result.findings[0]?.rule).toBeNull();
  });
});

describe('Account boundary: the security account is never a target', () => {
  let world: PipelineWorld;
  let lines: LogLine[];
  beforeAll(async () => {
    // As deployed: the security account (moto's ACCOUNT here) is not a member account.
    ({ world, lines } = await loggedWorld({ enforceSecurityAccount: true }));
  });

  it('refuses a GuardDuty finding about an instance in the security account', async () => {
    // Prepare
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId);

    // Act
    const result = await expectNothingDone(world, instance, event, 'security-account');

    // Assess
    const action = result.findings[0]?.actions[0];
    expect(action).toMatchObject({
      accountId: ACCOUNT,
      created: true,
      status: 'SKIPPED',
      refusedCode: 'security-account',
    });
    expect(refusals(lines).at(-1)).toEqual({
      findingKey: result.findings[0]?.findingKey,
      reasonCode: 'security-account',
    });
  });

  it('refuses the Security Hub twin of that finding too', async () => {
    // Prepare
    const instance = await launchInstance(world.ec2);

    // Act
    const result = await expectNothingDone(
      world,
      instance,
      importedEvent(asffTwin(guardDutyEvent(instance.instanceId))),
      'security-account',
    );

    // Assess
    expect(result.findings[0]?.actions[0]?.refusedCode).toBe('security-account');
  });
});

describe('Account boundary: the member-account allow-list', () => {
  it('refuses a GuardDuty finding in an account the deployment does not list', async () => {
    // Prepare
    const { world, lines } = await loggedWorld({ memberAccounts: ['111111111111'] });
    const instance = await launchInstance(world.ec2);

    // Act
    const result = await expectNothingDone(
      world,
      instance,
      guardDutyEvent(instance.instanceId),
      'not-member-account',
    );

    // Assess
    expect(result.findings[0]?.actions[0]?.refusedCode).toBe('not-member-account');
    expect(refusals(lines).map((r) => r.reasonCode)).toEqual(['not-member-account']);
  });

  it("refuses a Security Hub finding in an account the policy's memberAccounts does not list", async () => {
    // Prepare
    const { world } = await loggedWorld();
    world.deps.policy = {
      ...world.deps.policy,
      settings: { ...world.deps.policy.settings, memberAccounts: ['111111111111'] },
    };
    const instance = await launchInstance(world.ec2);

    // Act
    const result = await expectNothingDone(
      world,
      instance,
      importedEvent(asffTwin(guardDutyEvent(instance.instanceId))),
      'not-member-account',
    );

    // Assess
    expect(result.findings[0]?.refusedAccounts?.map((r) => r.refusedCode)).toEqual(['not-member-account']);
  });
});

describe('Account boundary: the worker re-checks a stored request before assuming any role', () => {
  const cases: [string, (world: PipelineWorld) => void, string][] = [
    [
      'the security account',
      (world) => {
        world.deps.config = { ...world.deps.config, emulatorSingleAccount: false };
      },
      'is the security account cordon runs in',
    ],
    [
      'an account the allow-list no longer lists',
      (world) => {
        world.deps.config = { ...world.deps.config, memberAccounts: ['111111111111'] };
      },
      'is not in the member-account allow-list',
    ],
  ];

  for (const [name, narrow, words] of cases) {
    it(`fails a request stored for ${name} without touching the instance`, async () => {
      // Prepare: the request was stored (approved, automatic) before the boundary changed
      const { world, lines } = await loggedWorld();
      const instance = await launchInstance(world.ec2);
      const parked = { ...world.deps, startWorker: async () => undefined };
      const result = await triageEvent(parked, guardDutyEvent(instance.instanceId));
      const id = result.findings[0]?.actions[0]?.isolationId ?? '';
      expect((await world.store.require(id)).status).toBe('APPROVED');
      narrow(world);
      const before = world.recorder.commands.length;

      // Act
      const run = await runWorker(world.deps, { kind: 'apply', id });

      // Assess
      expect(run.outcome).toBe('failed');
      const record = await world.store.require(id);
      expect(record.status).toBe('FAILED');
      expect(record.failure).toMatchObject({ code: 'REFUSED_ACCOUNT' });
      expect(record.failure?.message).toContain(words);
      expect(record.steps).toEqual([]);
      const sent = world.recorder.commands.slice(before);
      expect(sent.filter((c) => c.service !== 'DynamoDB' && c.service !== 'SNS')).toEqual([]);
      expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
      expect(lines.some((l) => l.level === 'warn' && typeof l.keys['reasonCode'] === 'string')).toBe(true);
    });
  }
});

describe('Account boundary: the deployment allow-list (CORDON_MEMBER_ACCOUNTS)', () => {
  const env = {
    AWS_REGION: 'eu-west-1',
    CORDON_SECURITY_ACCOUNT_ID: '999988887777',
    CORDON_TABLE_NAME: 'cordon-isolations',
    CORDON_TOPIC_ARN: 'arn:aws:sns:eu-west-1:999988887777:cordon-notifications',
    CORDON_WORKER_FUNCTION: 'cordon-isolate',
  };

  it('reads a comma-separated list, and no list when empty or unset', () => {
    // Act
    const listed = loadConfig({ ...env, CORDON_MEMBER_ACCOUNTS: '111111111111, 222222222222,111111111111' });
    const empty = loadConfig({ ...env, CORDON_MEMBER_ACCOUNTS: '' });
    const unset = loadConfig(env);

    // Assess
    expect(listed.memberAccounts).toEqual(['111111111111', '222222222222']);
    expect(empty.memberAccounts).toBeUndefined();
    expect(unset.memberAccounts).toBeUndefined();
    expect(unset.emulatorSingleAccount).toBeUndefined();
  });

  it('refuses a malformed list rather than running without one', () => {
    // Act
    const parse = () => loadConfig({ ...env, CORDON_MEMBER_ACCOUNTS: '111111111111,12345' });

    // Assess
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(/CORDON_MEMBER_ACCOUNTS: expected 12-digit account ids separated by commas/);
  });
});
