/**
 * `cordon replay --from-guardduty`: a live finding fetched with GetFindings and replayed as the event GuardDuty
 * sends. moto has no GuardDuty GetFindings, so GuardDuty is answered at the SDK's HTTP handler: the SDK's real
 * request serialisation and response handling run, and the finding body is GuardDuty's wire format. Everything
 * after the fetch (rules, triage, worker) runs against moto.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { EC2Client } from '@aws-sdk/client-ec2';
import { useMoto } from '../support/moto.js';
import { runReplay, type ReplayLine, type ReplayOptions } from '../../cli/commands/replay.js';
import { ACCOUNT, REGION, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });
const DETECTOR = '12abc34d567e8fa901bc2d34e56789f0';
const FINDING = 'b4b01b60fc24a199139f8f5f490edd81';

/** The shared sample finding, as GuardDuty would return it for an instance in the emulator. */
function wireFinding(instanceId: string): Record<string, unknown> {
  const event = JSON.parse(
    readFileSync(
      new URL('../events/guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json', import.meta.url),
      'utf8',
    ),
  ) as { detail: { resource: { instanceDetails: { instanceId: string } } } & Record<string, unknown> };
  const detail = event.detail;
  detail.resource.instanceDetails.instanceId = instanceId;
  return {
    ...detail,
    accountId: ACCOUNT,
    region: REGION,
    id: FINDING,
    arn: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/${DETECTOR}/finding/${FINDING}`,
  };
}

interface SeenRequest {
  method: string;
  path: string;
  body: string;
}

/** A GuardDuty client whose HTTP handler answers GetFindings with `findings` and records each request. */
function guardDutyAnswering(findings: unknown[], seen: SeenRequest[]): GuardDutyClient {
  return new GuardDutyClient({
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    requestHandler: {
      handle: async (request: { method: string; path: string; body?: unknown }) => {
        const body =
          request.body instanceof Uint8Array
            ? new TextDecoder().decode(request.body)
            : String(request.body ?? '');
        seen.push({ method: request.method, path: request.path, body });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: Readable.from([Buffer.from(JSON.stringify({ findings }))]),
          },
        };
      },
    },
  });
}

function options(dir: string, overrides: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    endpoint: moto.endpoint,
    region: REGION,
    rules: 'rules',
    table: `replay-${Math.random().toString(16).slice(2)}`,
    memberRole: 'cordon-member',
    outbox: join(dir, 'outbox.jsonl'),
    policy: 'test/pipeline/fixtures/demo-policy',
    json: true,
    ...overrides,
  };
}

describe('CLI: cordon replay --from-guardduty', () => {
  it('fetches the finding with GetFindings, wraps it as GuardDuty would send it, and contains the instance', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-gd-'));
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const instance = await launchInstance(ec2);
    const seen: SeenRequest[] = [];
    const guardDuty = guardDutyAnswering([wireFinding(instance.instanceId)], seen);
    const out: string[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [],
      options(dir, { fromGuardduty: [`${DETECTOR}:${FINDING}`] }),
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { guardDuty },
    );

    // Assess
    expect(err.filter((l) => !l.includes('security hub (outbox)'))).toEqual([]);
    expect(code).toBe(0);
    expect(seen).toEqual([
      {
        method: 'POST',
        path: `/detector/${DETECTOR}/findings/get`,
        body: JSON.stringify({ findingIds: [FINDING] }),
      },
    ]);
    const line = JSON.parse(out[0] ?? '{}') as ReplayLine;
    expect(line).toMatchObject({
      event: `guardduty:${DETECTOR}:${FINDING}`,
      reached: true,
      decision: { rule: 'demo-ec2-backdoor', mode: 'auto' },
      isolation: { status: 'ISOLATED' },
    });
    expect(await interfaceGroups(ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('names a finding GuardDuty does not have, exit 2, and touches nothing', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-gd-'));
    const guardDuty = guardDutyAnswering([], []);
    const out: string[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [],
      options(dir, { fromGuardduty: [`${DETECTOR}:${FINDING}`] }),
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { guardDuty },
    );

    // Assess
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `guardduty:${DETECTOR}:${FINDING}: GuardDuty has no finding ${FINDING} in detector ${DETECTOR} in ${REGION}; check the region (--region) and that these credentials are in the detector's account or its GuardDuty administrator`,
    ]);
  });

  it('rejects a reference that is not <detector-id>:<finding-id> before any call', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-gd-'));
    const seen: SeenRequest[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [],
      options(dir, { fromGuardduty: ['not a ref'] }),
      { out: () => undefined, err: (l) => err.push(l) },
      { guardDuty: guardDutyAnswering([], seen) },
    );

    // Assess
    expect(code).toBe(2);
    expect(seen).toEqual([]);
    expect(err.join('\n')).toContain('expected <detector-id>:<finding-id>');
  });
});
