/**
 * isolate-lambda-function against moto (functions are created from a tiny zip and never invoked: that needs
 * Docker). Injected faults go through the FaultInjector middleware on the real SDK clients, not a mock.
 */
import { describe, expect, it } from 'vitest';
import { isolateLambdaFunction } from '../../functions/lib/actions/isolate-lambda-function/definition.js';
import { exposureOf, permissionInput } from '../../functions/lib/actions/isolate-lambda-function/policy.js';
import { sessionRevocationPolicyName } from '../../functions/lib/aws/iam-policies.js';
import { TEST_ACCOUNT, useMoto } from '../support/moto.js';
import { appliedTwice, isMutating, motoActionContext } from './support/action-context.js';
import { functionResource, functionState, seedFunction, sidsOf } from './support/lambda-state.js';

// One emulator for the file and no reset between tests: each test has its own function.
const moto = useMoto({ resetEach: false });
let counter = 0;
const freshName = (base: string): string => `${base}-${++counter}`;

describe('Action: isolate-lambda-function', () => {
  it('throttles to zero, closes the public URL, removes public and cross-account statements, and release restores them exactly', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('thumbnailer');
    await seedFunction(ctx.clients, name, { url: 'NONE', statements: true });
    const original = await functionState(ctx.clients.lambda, name);
    const params = isolateLambdaFunction.params.parse({ revokeExecutionRoleSessions: true });

    // Act
    const applied = await isolateLambdaFunction.apply(ctx, functionResource(name), params);
    const isolated = await functionState(ctx.clients.lambda, name);
    const revocation = await ctx.clients.iam.getRolePolicy({
      RoleName: `${name}-exec`,
      PolicyName: sessionRevocationPolicyName(ctx.isolationId),
    });
    recorder.clear();
    const reapplied = await isolateLambdaFunction.apply(ctx, functionResource(name), params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await isolateLambdaFunction.release(ctx, functionResource(name), params, applied);
    const afterRelease = await functionState(ctx.clients.lambda, name);
    const roleAfterRelease = await ctx.clients.iam.listRolePolicies({ RoleName: `${name}-exec` });
    recorder.clear();
    const releasedAgain = await isolateLambdaFunction.release(ctx, functionResource(name), params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-function-state', 'done'],
      ['set-reserved-concurrency-zero', 'done'],
      ['close-function-url', 'done'],
      ['remove-public-statements', 'done'],
      ['revoke-execution-role-sessions', 'done'],
    ]);
    expect(isolated.reserved).toBe(0);
    expect(isolated.url).toEqual({ ...original.url, AuthType: 'AWS_IAM' });
    expect(sidsOf(isolated)).toEqual(['own-bucket-events']);
    expect(decodeURIComponent(revocation.PolicyDocument ?? '')).toContain('aws:TokenIssueTime');
    expect(applied.before['lambdaFunction']).toMatchObject({
      concurrency: { state: 'absent' },
      url: { state: 'present', authType: 'NONE', functionUrl: original.url?.FunctionUrl },
    });
    // Recorded in full, in the policy's order (the read-back helper sorts by Sid).
    expect(Reflect.get(Object(applied.before['lambdaFunction']), 'removedStatements')).toEqual(
      expect.arrayContaining(original.statements.filter((s) => s['Sid'] !== 'own-bucket-events')),
    );
    expect(reapplied.outcome).toBe('succeeded');
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(afterRelease).toEqual(original);
    expect(roleAfterRelease.PolicyNames).toEqual([]);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(appliedTwice(recorder)).toEqual([]);
  });

  it('gives back a reserved concurrency that was set, and deletes none that was absent', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('reserved');
    await seedFunction(ctx.clients, name, { reserved: 7 });
    const params = isolateLambdaFunction.params.parse({});

    // Act
    const applied = await isolateLambdaFunction.apply(ctx, functionResource(name), params);
    const isolated = await functionState(ctx.clients.lambda, name);
    const released = await isolateLambdaFunction.release(ctx, functionResource(name), params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(isolated.reserved).toBe(0);
    expect(released.outcome).toBe('succeeded');
    expect(await functionState(ctx.clients.lambda, name)).toEqual({ reserved: 7, url: null, statements: [] });
  });

  it('leaves the function as it was when throttling fails, and contained when a later step fails', async () => {
    // Prepare
    const first = motoActionContext(moto);
    const asWas = freshName('fault-before');
    await seedFunction(first.ctx.clients, asWas, { url: 'NONE', statements: true });
    const originalAsWas = await functionState(first.ctx.clients.lambda, asWas);
    first.faults.inject('PutFunctionConcurrency', 'access-denied');
    const second = motoActionContext(moto);
    const contained = freshName('fault-after');
    await seedFunction(second.ctx.clients, contained, { url: 'NONE', statements: true });
    second.faults.inject('RemovePermission', 'server-error');
    const params = isolateLambdaFunction.params.parse({});

    // Act
    const failedFirst = await isolateLambdaFunction.apply(first.ctx, functionResource(asWas), params);
    const failedLater = await isolateLambdaFunction.apply(second.ctx, functionResource(contained), params);
    const containedState = await functionState(second.ctx.clients.lambda, contained);
    const resumed = await isolateLambdaFunction.apply(
      second.ctx,
      functionResource(contained),
      params,
      failedLater,
    );
    const resumedState = await functionState(second.ctx.clients.lambda, contained);
    const released = await isolateLambdaFunction.release(
      second.ctx,
      functionResource(contained),
      params,
      resumed,
    );

    // Assess
    expect(failedFirst.outcome).toBe('failed');
    expect(failedFirst.failedStep).toBe('set-reserved-concurrency-zero');
    expect(failedFirst.error?.message).toContain('lambda:PutFunctionConcurrency');
    expect(await functionState(first.ctx.clients.lambda, asWas)).toEqual(originalAsWas);
    expect(failedLater.outcome).toBe('failed');
    expect(failedLater.failedStep).toBe('remove-public-statements');
    expect(containedState.reserved).toBe(0);
    expect(containedState.url?.AuthType).toBe('AWS_IAM');
    expect(resumed.outcome).toBe('succeeded');
    expect(sidsOf(resumedState)).toEqual(['own-bucket-events']);
    expect(released.outcome).toBe('succeeded');
    expect((await functionState(second.ctx.clients.lambda, contained)).statements).toHaveLength(3);
  });

  it('keeps the function throttled when release cannot put a statement back', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const name = freshName('release-fault');
    await seedFunction(ctx.clients, name, { statements: true });
    const params = isolateLambdaFunction.params.parse({});
    const applied = await isolateLambdaFunction.apply(ctx, functionResource(name), params);
    faults.inject('AddPermission', 'server-error');

    // Act
    const released = await isolateLambdaFunction.release(ctx, functionResource(name), params, applied);

    // Assess
    expect(released.outcome).toBe('failed');
    expect(released.failedStep).toBe('restore-policy-statements');
    expect((await functionState(ctx.clients.lambda, name)).reserved).toBe(0);
  });

  it('ends skipped for a function that no longer exists', async () => {
    const { ctx } = motoActionContext(moto);
    const result = await isolateLambdaFunction.apply(
      ctx,
      functionResource('never-created'),
      isolateLambdaFunction.params.parse({}),
    );
    expect(result.outcome).toBe('skipped');
  });
});

describe('Lambda resource-policy statements (AWS shapes)', () => {
  const fn = `arn:aws:lambda:us-east-1:${TEST_ACCOUNT}:function:f`;

  it('removes the public URL statement and rebuilds it with AddPermission', () => {
    // As the console writes it for a URL with auth NONE.
    const statement = {
      Sid: 'FunctionURLAllowPublicAccess',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunctionUrl',
      Resource: fn,
      Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
    };
    expect(exposureOf(statement, TEST_ACCOUNT)).toBe('public');
    expect(permissionInput(statement, fn)).toEqual({
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
  });

  it('tells cross-account grants from this account’s service grants, and refuses what AddPermission cannot write', () => {
    const partner = {
      Sid: 'p',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: 'lambda:InvokeFunction',
      Resource: fn,
    };
    const org = {
      Sid: 'o',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunction',
      Resource: fn,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
    };
    const own = {
      Sid: 's',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: fn,
      Condition: {
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::b' },
        StringEquals: { 'AWS:SourceAccount': TEST_ACCOUNT },
      },
    };
    const foreignBucket = { ...own, Condition: { StringEquals: { 'AWS:SourceAccount': '210987654321' } } };
    const handWritten = { ...partner, Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } };
    expect(exposureOf(partner, TEST_ACCOUNT)).toBe('cross-account');
    expect(exposureOf(org, TEST_ACCOUNT)).toBe('cross-account');
    expect(exposureOf(own, TEST_ACCOUNT)).toBeUndefined();
    expect(exposureOf(foreignBucket, TEST_ACCOUNT)).toBe('cross-account');
    expect(permissionInput(org, fn)).toEqual({
      StatementId: 'o',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      PrincipalOrgID: 'o-abc123',
    });
    expect(permissionInput(handWritten, fn)).toBeUndefined();
  });
});
