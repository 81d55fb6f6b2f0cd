import { describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, EC2, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { disableInstanceMetadata } from '../../functions/lib/actions/disable-instance-metadata/definition.js';
import { useMoto } from '../support/moto.js';
import { isMutating, motoActionContext } from './support/action-context.js';
import { HARDENED, instanceResource, seedInstance } from './scenarios/disable-instance-metadata.scenarios.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own instance.
const moto = useMoto({ resetEach: false });
const params = disableInstanceMetadata.params.parse({});

/** The instance's metadata options as AWS (moto) reports them, read with a client the test does not record. */
async function metadataOf(instanceId: string): Promise<Record<string, unknown>> {
  const ec2 = new EC2(moto.clientConfig());
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const options = out.Reservations?.[0]?.Instances?.[0]?.MetadataOptions;
  return {
    HttpEndpoint: options?.HttpEndpoint,
    HttpTokens: options?.HttpTokens,
    HttpPutResponseHopLimit: options?.HttpPutResponseHopLimit,
    InstanceMetadataTags: options?.InstanceMetadataTags,
  };
}

describe('Action: disable-instance-metadata', () => {
  it('turns the endpoint off, records the options, and release restores them exactly', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2);
    const resource = instanceResource(instanceId);
    expect(await metadataOf(instanceId)).toEqual(HARDENED);

    // Act
    const applied = await disableInstanceMetadata.apply(ctx, resource, params);
    const during = await metadataOf(instanceId);
    recorder.clear();
    const reapplied = await disableInstanceMetadata.apply(ctx, resource, params, applied);
    const reapplyMutations = recorder.commands.filter((c) => isMutating(c.command));
    const released = await disableInstanceMetadata.release(ctx, resource, params, applied);
    const after = await metadataOf(instanceId);
    recorder.clear();
    const releasedAgain = await disableInstanceMetadata.release(ctx, resource, params, applied);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['record-metadata-options', 'done'],
      ['disable-metadata-endpoint', 'done'],
    ]);
    expect(applied.before).toEqual({
      instanceId,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
        instanceMetadataTags: 'enabled',
      },
    });
    expect(applied.warnings.join('\n')).toMatch(/stops working until release/);
    expect(during).toEqual({ ...HARDENED, HttpEndpoint: 'disabled' });
    expect(reapplied.outcome).toBe('succeeded');
    expect(reapplied.before).toEqual(applied.before);
    expect(reapplyMutations).toEqual([]);
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([['restore-metadata-endpoint', 'done']]);
    expect(released.warnings).toEqual([]);
    expect(after).toEqual(HARDENED);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(releasedAgain.steps[0]?.status).toBe('skipped');
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  it('lists its steps, derived from the stages', () => {
    expect(disableInstanceMetadata.steps).toEqual({
      apply: ['record-metadata-options', 'disable-metadata-endpoint'],
      release: ['restore-metadata-endpoint'],
    });
  });

  it('leaves an endpoint that was already off as it found it, on apply and on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2, { metadata: { HttpEndpoint: 'disabled' } });
    const resource = instanceResource(instanceId);
    recorder.clear();

    // Act
    const applied = await disableInstanceMetadata.apply(ctx, resource, params);
    const released = await disableInstanceMetadata.release(ctx, resource, params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.steps[1]).toMatchObject({ name: 'disable-metadata-endpoint', status: 'skipped' });
    expect(released.outcome).toBe('succeeded');
    expect(released.steps[0]?.detail).toMatch(/already disabled before the isolation/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect((await metadataOf(instanceId))['HttpEndpoint']).toBe('disabled');
  });

  it('refuses an instance that carries the exemption tag live, before any change', async () => {
    // Prepare: the finding's copy of the tags does not have it yet
    const { ctx, recorder } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2, { tags: { 'cordon:exempt': 'true' } });
    recorder.clear();

    // Act
    const applied = await disableInstanceMetadata.apply(ctx, instanceResource(instanceId), params);

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(applied.detail).toMatch(/refused: .*exempt/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await metadataOf(instanceId)).toEqual(HARDENED);
  });

  it('fails naming the step and the permission when the change is denied, leaving the instance as it was; a retry completes', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2);
    const resource = instanceResource(instanceId);
    faults.inject('ModifyInstanceMetadataOptions', 'access-denied');

    // Act
    const failed = await disableInstanceMetadata.apply(ctx, resource, params);
    const untouched = await metadataOf(instanceId);
    const retried = await disableInstanceMetadata.apply(ctx, resource, params, failed);

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('disable-metadata-endpoint');
    expect(failed.error?.message).toMatch(/ec2:ModifyInstanceMetadataOptions denied to the member role/);
    expect(failed.containedAt).toBeUndefined();
    expect(untouched).toEqual(HARDENED);
    expect(retried.outcome).toBe('succeeded');
    expect(retried.before).toEqual(failed.before);
    expect((await metadataOf(instanceId))['HttpEndpoint']).toBe('disabled');
  });

  it('resumes after a crash between the change and its record without losing the original options', async () => {
    // Prepare: a run that disabled the endpoint but whose last step record was never persisted
    const { ctx } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2);
    const resource = instanceResource(instanceId);
    const first = await disableInstanceMetadata.apply(ctx, resource, params);
    const persisted = { steps: first.steps.slice(0, 1), before: first.before };

    // Act
    const resumed = await disableInstanceMetadata.apply(ctx, resource, params, persisted);
    const released = await disableInstanceMetadata.release(ctx, resource, params, resumed);

    // Assess
    expect(resumed.outcome).toBe('succeeded');
    expect(resumed.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(resumed.before).toEqual(first.before);
    expect(released.outcome).toBe('succeeded');
    expect(await metadataOf(instanceId)).toEqual(HARDENED);
  });

  it('keeps the endpoint off when the restore fails, and a retried release restores it', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2);
    const resource = instanceResource(instanceId);
    const applied = await disableInstanceMetadata.apply(ctx, resource, params);
    faults.inject('ModifyInstanceMetadataOptions', 'server-error');

    // Act
    const failed = await disableInstanceMetadata.release(ctx, resource, params, applied);
    const stillContained = await metadataOf(instanceId);
    const retried = await disableInstanceMetadata.release(ctx, resource, params, applied);

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('restore-metadata-endpoint');
    expect(stillContained).toEqual({ ...HARDENED, HttpEndpoint: 'disabled' });
    expect(retried.outcome).toBe('succeeded');
    expect(await metadataOf(instanceId)).toEqual(HARDENED);
  });

  it('ends skipped for a terminated instance, on apply and on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const instanceId = await seedInstance(ctx.clients.ec2);
    const resource = instanceResource(instanceId);
    const applied = await disableInstanceMetadata.apply(ctx, resource, params);
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    recorder.clear();

    // Act
    const reapplied = await disableInstanceMetadata.apply(ctx, resource, params);
    const released = await disableInstanceMetadata.release(ctx, resource, params, applied);

    // Assess
    expect(reapplied.outcome).toBe('skipped');
    expect(reapplied.detail).toMatch(/no longer exists \(terminated\)/);
    expect(released.outcome).toBe('skipped');
    expect(released.detail).toMatch(/no longer exists/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });
});
