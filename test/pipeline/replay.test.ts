import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useMoto } from '../support/moto.js';
import { runReplay, type ReplayLine, type ReplayOptions } from '../../cli/commands/replay.js';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  ACCOUNT,
  REGION,
  asffTwin,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  launchInstance,
} from './support.js';

const moto = useMoto({ resetEach: false });

/** The shared sample event with its instance id and account rewritten, as docs/pipeline.md shows. */
function rewrittenSample(dir: string, instanceId: string): string {
  const event = JSON.parse(
    readFileSync(
      new URL('../events/guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json', import.meta.url),
      'utf8',
    ),
  ) as {
    account: string;
    detail: { accountId: string; arn: string; resource: { instanceDetails: { instanceId: string } } };
  };
  event.account = ACCOUNT;
  event.detail.accountId = ACCOUNT;
  event.detail.arn = event.detail.arn.replace(/:\d{12}:/, `:${ACCOUNT}:`);
  event.detail.resource.instanceDetails.instanceId = instanceId;
  const file = join(dir, 'event.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

function options(dir: string, overrides: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    endpoint: moto.endpoint,
    region: REGION,
    rules: 'rules',
    table: `replay-${Math.random().toString(16).slice(2)}`,
    memberRole: 'cordon-member',
    outbox: join(dir, 'outbox.jsonl'),
    ...overrides,
  };
}

describe('CLI: cordon replay', () => {
  it('replays the shared sample GuardDuty EC2 finding to ISOLATED against a fresh emulator', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-'));
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const instance = await launchInstance(ec2);
    const file = rewrittenSample(dir, instance.instanceId);
    const out: string[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [file],
      options(dir, { json: true, policy: 'test/pipeline/fixtures/demo-policy' }),
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );

    // Assess
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0] ?? '{}') as ReplayLine;
    expect(Object.keys(line)).toEqual(['event', 'reached', 'decision', 'isolation', 'evidence']);
    expect(line).toMatchObject({
      event: file,
      reached: true,
      decision: { rule: 'demo-ec2-backdoor', mode: 'auto' },
      isolation: { status: 'ISOLATED' },
    });
    expect(line.isolation?.steps).toContainEqual({ name: 'isolate-network-interfaces', status: 'done' });
    expect(await interfaceGroups(ec2, instance.instanceId)).not.toContain(instance.groupId);
    const outbox = readFileSync(join(dir, 'outbox.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { operation: string; input: { Workflow?: { Status: string } } });
    expect(outbox).toEqual([
      expect.objectContaining({
        operation: 'BatchUpdateFindings',
        input: expect.objectContaining({ Workflow: { Status: 'NOTIFIED' } }),
      }),
    ]);
    expect(err.join('\n')).toContain('security hub (outbox): BatchUpdateFindings NOTIFIED');
  });

  it('shows that the deployed rules drop a sample finding, and prints progress for people', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-'));
    const file = rewrittenSample(dir, 'i-0123456789abcdef0');
    const out: string[] = [];

    // Act
    const code = await runReplay([file, join(dir, 'missing.json')], options(dir), {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });

    // Assess: the missing file is bad input (exit 2); the other file is still replayed
    expect(code).toBe(2);
    const text = out.join('\n');
    expect(text).toContain('rules: none (EventBridge would not deliver it)');
    expect(text).toMatch(/sample finding/);
    expect(text).toMatch(/missing\.json: cannot read event file: no such file/);
  });

  it('prints reached: false and no isolation in --json for an event no deployed rule delivers', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-'));
    const file = rewrittenSample(dir, 'i-0123456789abcdef0');
    const out: string[] = [];

    // Act
    const code = await runReplay([file], options(dir, { json: true }), {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });

    // Assess
    expect(code).toBe(0);
    const line = JSON.parse(out[0] ?? '{}') as ReplayLine;
    expect(line).toMatchObject({ event: file, reached: false, decision: { rule: null }, isolation: null });
  });

  it('shows a Security Hub finding naming an instance of another account as refused, and leaves it alone', async () => {
    // Prepare: the finding claims account 444455556666; the instance it names is in ACCOUNT
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-'));
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const instance = await launchInstance(ec2);
    const finding = { ...asffTwin(guardDutyEvent(instance.instanceId)), AwsAccountId: '444455556666' };
    const file = join(dir, 'cross-account.json');
    writeFileSync(file, JSON.stringify(importedEvent(finding)));
    const out: string[] = [];

    // Act
    const code = await runReplay([file], options(dir), { out: (l) => out.push(l), err: (l) => out.push(l) });

    // Assess
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(
      `left out ec2-instance ${instance.instanceId}: ec2-instance ${instance.instanceId} is in account ${ACCOUNT}, not in the finding's account 444455556666`,
    );
    expect(text).toContain(
      `triage: isolate-ec2-instance ${instance.instanceId}: refused (cross-account-resource)`,
    );
    expect(await interfaceGroups(ec2, instance.instanceId)).toEqual([instance.groupId]);
  });
});
