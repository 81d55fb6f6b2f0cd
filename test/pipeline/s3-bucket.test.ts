/**
 * A GuardDuty S3 finding end to end, against moto: the shared sample event (test/events) names a bucket created
 * in the emulator; the shipped policy asks for approval, an approver approves, the worker isolates the bucket,
 * and a release restores it exactly. Then the same event through `cordon replay --endpoint` with a policy that
 * contains it at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3 } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runReplay, type ReplayLine } from '../../cli/commands/replay.js';
import { CORDON_SID } from '../../functions/lib/actions/isolate-s3-bucket/policy.js';
import { s3ClientConfig } from '../../functions/lib/aws/member-services.js';
import { approveIsolation, getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import {
  bucketState,
  customerPolicy,
  s3FindingEvent,
  seedBucket,
  statementsOf,
} from '../actions/support/s3-state.js';
import { ACCOUNT, REGION, createWorld, unique } from './support.js';

const moto = useMoto({ resetEach: false });
const bob: Principal = { type: 'user', id: '0a9d4c3b-bob-subject', name: 'bob' };
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };
const PARTIAL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};
const ALL_ON = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function cordonStatementIn(policy: string | null): unknown {
  return statementsOf(policy).find(
    (s) => typeof s === 'object' && s !== null && Reflect.get(s, 'Sid') === CORDON_SID,
  );
}

describe('Pipeline: a GuardDuty S3 finding', () => {
  it('is approved, isolates the bucket keeping its policy, and is released to exactly what it was', async () => {
    // Prepare
    const world = await createWorld(moto);
    const s3 = new S3(s3ClientConfig(moto.clientConfig(REGION)));
    const bucket = unique('finance-exports').toLowerCase();
    await seedBucket(s3, bucket, { policy: customerPolicy(bucket), block: PARTIAL });
    const original = await bucketState(s3, bucket);

    // Act
    const dispatched = await world.dispatch(s3FindingEvent(bucket));
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    const pending = await getIsolation(world.deps, id);
    const untouched = await bucketState(s3, bucket);
    await approveIsolation(world.deps, id, bob);
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const contained = await bucketState(s3, bucket);
    await releaseIsolation(world.deps, id, carol, 'exfiltration source blocked upstream');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);
    const restored = await bucketState(s3, bucket);

    // Assess
    expect(outcome).toMatchObject({ rule: 's3-bucket-data-threat', mode: 'approval' });
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(untouched).toEqual(original);
    expect(isolated.status).toBe('ISOLATED');
    expect(contained.block).toEqual(ALL_ON);
    expect(cordonStatementIn(contained.policy)).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:role/cordon-member`] } },
    });
    expect(statementsOf(contained.policy).slice(0, -1)).toEqual(statementsOf(original.policy));
    expect(released.status).toBe('RELEASED');
    expect(restored).toEqual(original);
  });

  it('ends ISOLATED through cordon replay --endpoint with a policy that contains it at once', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-s3-replay-'));
    const s3 = new S3(s3ClientConfig(moto.clientConfig(REGION)));
    const bucket = unique('replayed').toLowerCase();
    await seedBucket(s3, bucket, { policy: customerPolicy(bucket) });
    const original = await bucketState(s3, bucket);
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify(s3FindingEvent(bucket)));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'version: 1',
        'rules:',
        '  - name: s3-exfiltration-now',
        '    match: { source: guardduty, type: "Exfiltration:S3/*", resourceType: s3-bucket }',
        '    action: isolate-s3-bucket',
        `    params: { breakGlassRoleArns: ["arn:aws:iam::${ACCOUNT}:role/incident-breakglass"] }`,
        '    mode: auto',
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [file],
      {
        endpoint: moto.endpoint,
        region: REGION,
        rules: 'rules',
        table: unique('replay'),
        memberRole: 'cordon-member',
        outbox: join(dir, 'outbox.jsonl'),
        json: true,
        policy: policyFile,
      },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    const contained = await bucketState(s3, bucket);

    // Assess
    // Security Hub writes go to the outbox against an emulator, reported on stderr.
    expect(err.join('\n')).toMatch(
      /BatchUpdateFindings NOTIFIED .*isolate-s3-bucket on s3-bucket .* is ISOLATED/,
    );
    expect(code).toBe(0);
    const line = JSON.parse(out[0] ?? '{}') as ReplayLine;
    expect(line).toMatchObject({
      reached: true,
      decision: { rule: 's3-exfiltration-now', mode: 'auto' },
      isolation: { status: 'ISOLATED' },
    });
    expect(contained.block).toEqual(ALL_ON);
    expect(cordonStatementIn(contained.policy)).toMatchObject({
      Condition: {
        ArnNotLike: {
          'aws:PrincipalArn': [
            `arn:aws:iam::${ACCOUNT}:role/cordon-member`,
            `arn:aws:iam::${ACCOUNT}:role/incident-breakglass`,
          ],
        },
      },
    });
    expect(statementsOf(contained.policy).slice(0, -1)).toEqual(statementsOf(original.policy));
  });
});
