/**
 * A GuardDuty Lambda finding end to end, against moto: the shared sample event (test/events) names a function
 * created in the emulator (never invoked: that needs Docker); a test policy contains it at once, the worker
 * throttles it to zero, and a release restores it exactly. The shipped policy has no Lambda rule yet.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAM } from '@aws-sdk/client-iam';
import { Lambda } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import { functionState, lambdaFindingEvent, seedFunction } from '../actions/support/lambda-state.js';
import { REGION, createWorld, unique } from './support.js';

const moto = useMoto({ resetEach: false });
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };

function lambdaPolicy(): ReturnType<typeof loadPolicy> {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-lambda-policy-'));
  writeFileSync(
    join(dir, 'policy.yaml'),
    [
      'version: 1',
      'rules:',
      '  - name: lambda-network-compromise',
      '    match: { source: guardduty, type: "Backdoor:Lambda/*", resourceType: lambda-function }',
      '    action: isolate-lambda-function',
      '    mode: auto',
      '',
    ].join('\n'),
  );
  return loadPolicy([dir]);
}

describe('Pipeline: a GuardDuty Lambda finding', () => {
  it('ends ISOLATED with reserved concurrency 0 and its public access cut, and release restores it exactly', async () => {
    // Prepare
    const world = await createWorld(moto, { policy: lambdaPolicy() });
    const config = moto.clientConfig(REGION);
    const lambda = new Lambda(config);
    const name = unique('thumbnailer');
    await seedFunction({ lambda, iam: new IAM(config) }, name, { url: 'NONE', statements: true });
    const original = await functionState(lambda, name);

    // Act
    const dispatched = await world.dispatch(lambdaFindingEvent(name));
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const contained = await functionState(lambda, name);
    await releaseIsolation(world.deps, id, carol, 'C2 domain sinkholed');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);
    const restored = await functionState(lambda, name);

    // Assess
    expect(outcome).toMatchObject({ rule: 'lambda-network-compromise', mode: 'auto' });
    expect(isolated.status).toBe('ISOLATED');
    expect(contained.reserved).toBe(0);
    expect(contained.url?.AuthType).toBe('AWS_IAM');
    expect(contained.statements.map((s) => s['Sid'])).toEqual(['own-bucket-events']);
    expect(released.status).toBe('RELEASED');
    expect(restored).toEqual(original);
  });
});
