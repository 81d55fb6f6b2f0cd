import { beforeAll, describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { getIsolation } from '../../functions/lib/pipeline/service.js';
import { loadRuleFiles, rulesReachedBy } from '../../functions/lib/eventbridge/rules.js';
import {
  ACCOUNT,
  REGION,
  asffTwin,
  createWorld,
  customActionEvent,
  guardDutyEvent,
  importedEvent,
  isReadOnly,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });

/** Every AWS call made since `from` that changes something (reads are allowed). */
function mutationsSince(world: PipelineWorld, from: number): string[] {
  return world.recorder.commands
    .slice(from)
    .filter((c) => !isReadOnly(c.command))
    .map((c) => c.iamAction);
}

async function parked(world: PipelineWorld) {
  const instance = await launchInstance(world.ec2);
  const finding = asffTwin(guardDutyEvent(instance.instanceId, { severity: 5 }));
  const triage = await triageEvent(world.deps, importedEvent(finding));
  return { finding, id: triage.findings[0]?.actions[0]?.isolationId ?? '' };
}

describe('Pipeline: forged approvals', () => {
  let world: PipelineWorld;
  beforeAll(async () => {
    world = await createWorld(moto);
  });

  const forgeries: [string, (finding: Record<string, unknown>) => Record<string, unknown>][] = [
    [
      'another custom action of the security account',
      (f) =>
        customActionEvent(f, { actionArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/Isolate` }),
    ],
    [
      "cordon's action id in another account",
      (f) =>
        customActionEvent(f, {
          actionArn: `arn:aws:securityhub:${REGION}:999999999999:action/custom/CordonApprove`,
          account: '999999999999',
        }),
    ],
    ["cordon's ARN delivered in another account", (f) => customActionEvent(f, { account: '999999999999' })],
    [
      'two custom actions in resources',
      (f) => ({
        ...customActionEvent(f),
        resources: [`arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/CordonApprove`, 'x'],
      }),
    ],
    ['an Imported event sent to approve', (f) => importedEvent(f)],
  ];

  for (const [name, forge] of forgeries) {
    it(`refuses ${name} and changes nothing`, async () => {
      // Prepare
      const { finding, id } = await parked(world);
      const commandsBefore = world.recorder.commands.length;
      const writeBacksBefore = world.writeBacks().length;

      // Act
      const result = await handleCustomAction(world.deps, forge(finding));
      const runs = await world.worker.drain();

      // Assess
      expect(result.refused).toBeTruthy();
      expect(result.findings).toEqual([]);
      expect(runs).toEqual([]);
      expect((await getIsolation(world.deps, id)).status).toBe('PENDING_APPROVAL');
      expect(mutationsSince(world, commandsBefore)).toEqual([]);
      expect(world.writeBacks()).toHaveLength(writeBacksBefore);
    });
  }
});

describe('Pipeline: malformed and unsupported events', () => {
  let world: PipelineWorld;
  beforeAll(async () => {
    world = await createWorld(moto);
  });

  const bad: [string, unknown][] = [
    ['null', null],
    ['a string', 'GuardDuty Finding'],
    ['an empty object', {}],
    [
      'an EC2 state-change event',
      { 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: {} },
    ],
    ['a GuardDuty event without detail', { ...guardDutyEvent('i-0123456789abcdef0'), detail: undefined }],
    [
      'a GuardDuty event with a non-numeric severity',
      (() => {
        const e = guardDutyEvent('i-0123456789abcdef0');
        (e['detail'] as Record<string, unknown>)['severity'] = 'high';
        return e;
      })(),
    ],
    [
      'prototype-pollution keys',
      JSON.parse(
        '{"__proto__": {"polluted": true}, "detail-type": "GuardDuty Finding", "source": "aws.guardduty"}',
      ),
    ],
    [
      'deep nesting',
      (() => {
        let deep: Record<string, unknown> = {};
        const root = deep;
        for (let i = 0; i < 2000; i++) {
          const next = {};
          deep['x'] = next;
          deep = next;
        }
        return { ...guardDutyEvent('i-0123456789abcdef0'), detail: root };
      })(),
    ],
  ];

  for (const [name, event] of bad) {
    it(`drops ${name} with a reason and no AWS call`, async () => {
      // Prepare
      const before = world.recorder.commands.length;
      const securityHubCalls = world.securityHub.calls().length;

      // Act
      const triage = await triageEvent(world.deps, event);
      const approve = await handleCustomAction(world.deps, event);
      const runs = await world.worker.drain();

      // Assess
      expect(triage.dropped).toEqual(expect.any(String));
      expect(approve.refused).toEqual(expect.any(String));
      expect(runs).toEqual([]);
      expect(world.recorder.commands.slice(before)).toEqual([]);
      expect(world.securityHub.calls()).toHaveLength(securityHubCalls);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  }
});

describe('Pipeline: the write-back loop', () => {
  it('the Imported event produced by a write-back reaches no rule, and triage would ignore it anyway', async () => {
    // Prepare: isolate, then build the Imported event Security Hub emits for cordon's write-back
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const gd = guardDutyEvent(instance.instanceId, { severity: 8 });
    await triageEvent(world.deps, gd);
    await world.worker.drain();
    const writeBack = world.writeBacks()[0];
    const updated = {
      ...asffTwin(gd, 'NOTIFIED'),
      Note: writeBack?.Note,
      UserDefinedFields: writeBack?.UserDefinedFields,
    };
    const echo = importedEvent(updated);
    const writeBacks = world.writeBacks().length;
    const notifications = (await world.notifications()).length;

    // Act
    const reached = rulesReachedBy(echo, loadRuleFiles('rules'), { account_id: ACCOUNT, region: REGION });
    const triage = await triageEvent(world.deps, echo);
    await world.worker.drain();

    // Assess
    expect(reached).toEqual([]);
    expect(triage.findings[0]?.ignored).toMatch(/NOTIFIED/);
    expect(world.writeBacks()).toHaveLength(writeBacks);
    expect(await world.notifications()).toHaveLength(notifications);
  });

  it('even a finding reset to NEW after a write-back is deduplicated without another write-back', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const gd = guardDutyEvent(instance.instanceId, { severity: 8 });
    await triageEvent(world.deps, gd);
    await world.worker.drain();
    const reset = importedEvent(asffTwin(gd, 'NEW'));
    const writeBacks = world.writeBacks().length;

    // Act: the rules let it through (NEW), so it reaches triage, several times
    const reached = rulesReachedBy(reset, loadRuleFiles('rules'), { account_id: ACCOUNT, region: REGION });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await triageEvent(world.deps, reset));
    await world.worker.drain();

    // Assess
    expect(reached).toEqual(['triage-securityhub-imported']);
    expect(results.every((r) => r.findings[0]?.actions[0]?.duplicateOf === 'finding')).toBe(true);
    expect(world.writeBacks()).toHaveLength(writeBacks);
  });

  it("ignores cordon's own imported findings", async () => {
    // Prepare
    const world = await createWorld(moto);
    const own = {
      ...asffTwin(guardDutyEvent('i-0123456789abcdef0', { severity: 8 })),
      Id: 'cordon/isolation/iso-20261128070000000-0123456789',
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
    };

    // Act
    const result = await triageEvent(world.deps, importedEvent(own));

    // Assess
    expect(result.findings[0]?.ignored).toMatch(/cordon's own finding/);
    expect(world.writeBacks()).toEqual([]);
  });
});
