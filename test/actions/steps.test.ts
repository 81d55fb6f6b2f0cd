import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionState, StepRecord } from '../../functions/lib/actions/contract.js';
import {
  PartialStepError,
  awsCall,
  describeFailure,
  mergeBefore,
  runSteps,
  type StageSpec,
  type StepOutcome,
} from '../../functions/lib/actions/steps.js';
import { LeaseLostError } from '../../functions/lib/errors.js';
import { AwsCallError } from '../../functions/lib/aws/errors.js';

interface Recorder {
  persisted: { step: StepRecord; state: ActionState }[];
  contained: Date[];
}

function context(recorder: Recorder, overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    isolationId: 'iso-1',
    accountId: '111122223333',
    region: 'eu-west-1',
    clients: {} as ActionContext['clients'],
    guard: {
      exemptionTag: { key: 'cordon:exempt' },
      protectedArns: [],
      cordonResourcePrefix: 'cordon',
      memberRoleName: 'cordon-member',
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => new Date('2026-01-01T00:00:00.000Z'),
    onStep: async (step, state) => {
      recorder.persisted.push({ step, state });
    },
    onContained: (at) => {
      recorder.contained.push(at);
    },
    ...overrides,
  };
}

function newRecorder(): Recorder {
  return { persisted: [], contained: [] };
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const done = (detail: string, extra: Partial<StepOutcome> = {}): StepOutcome => ({
  status: 'done',
  detail,
  ...extra,
});

describe('Step runner', () => {
  it('runs stages in order and the steps of a stage in parallel', async () => {
    // Prepare: both steps of stage 1 must have started before either may finish
    const recorder = newRecorder();
    const events: string[] = [];
    let release: () => void = () => {};
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const parallel = (name: string) => ({
      name,
      async run() {
        events.push(`start ${name}`);
        started += 1;
        if (started === 2) release();
        await bothStarted;
        events.push(`end ${name}`);
        return done(name);
      },
    });
    const stages: StageSpec<null>[] = [
      { steps: [parallel('a'), parallel('b')] },
      { steps: [{ name: 'c', run: async () => (events.push('c'), done('c')) }] },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null });

    // Assess
    expect(result.outcome).toBe('succeeded');
    expect(events.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(events.at(-1)).toBe('c');
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['a:done', 'b:done', 'c:done']);
    expect(recorder.persisted.map((p) => p.step.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('never overwrites before-state captured by an earlier run', async () => {
    // Prepare
    const recorder = newRecorder();
    const previous: ActionState = {
      steps: [{ name: 'describe', status: 'done', detail: 'recorded', at: '2025-12-31T00:00:00.000Z' }],
      before: { networkInterfaces: { 'eni-1': { groups: ['sg-original'] } } },
    };
    const stages: StageSpec<null>[] = [
      {
        steps: [
          {
            name: 'describe',
            run: async () =>
              done('re-described', {
                before: {
                  networkInterfaces: {
                    'eni-1': { groups: ['sg-cordon-isolation'] },
                    'eni-2': { groups: ['sg-new'] },
                  },
                  termination: { disableApiTermination: false },
                },
              }),
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null, previous });

    // Assess
    expect(result.before).toEqual({
      networkInterfaces: { 'eni-1': { groups: ['sg-original'] }, 'eni-2': { groups: ['sg-new'] } },
      termination: { disableApiTermination: false },
    });
    expect(recorder.persisted[0]?.state.before).toEqual(result.before);
  });

  it('marks a failed step with the AWS error, lets its siblings finish, and stops later stages', async () => {
    // Prepare
    const recorder = newRecorder();
    const ran: string[] = [];
    const stages: StageSpec<null>[] = [
      {
        steps: [
          {
            name: 'swap',
            run: () =>
              awsCall('ec2:ModifyNetworkInterfaceAttribute', async () => {
                throw awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.');
              }),
          },
          { name: 'sibling', run: async () => (ran.push('sibling'), done('sibling finished')) },
        ],
      },
      { steps: [{ name: 'later', run: async () => (ran.push('later'), done('later')) }] },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('swap');
    expect(result.error?.code).toBe('AccessDenied');
    expect(result.steps.find((s) => s.name === 'swap')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /^AccessDenied: ec2:ModifyNetworkInterfaceAttribute denied to the member role cordon-member \(UnauthorizedOperation: You are not authorized/,
      ),
    });
    expect(result.steps.find((s) => s.name === 'sibling')?.status).toBe('done');
    expect(ran).toEqual(['sibling']);
    expect(result.steps.map((s) => s.name)).not.toContain('later');
    expect(recorder.persisted.map((p) => p.step.name).sort()).toEqual(['sibling', 'swap']);
  });

  it('reports throttling and server errors with their AWS name, message and IAM action', async () => {
    // Prepare
    const recorder = newRecorder();
    const stages: StageSpec<null>[] = [
      {
        steps: [
          {
            name: 'snapshot',
            run: () =>
              awsCall('ec2:CreateSnapshot', async () => {
                throw awsError('ThrottlingException', 'Rate exceeded');
              }),
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null });

    // Assess
    expect(result).toMatchObject({
      outcome: 'failed',
      failedStep: 'snapshot',
      error: {
        code: 'ThrottlingException',
        message: 'ThrottlingException: Rate exceeded (calling ec2:CreateSnapshot)',
      },
    });
  });

  it('turns a vanished resource into a skipped result, not a crash', async () => {
    // Prepare
    const recorder = newRecorder();
    const stages: StageSpec<null>[] = [
      {
        steps: [
          {
            name: 'describe',
            run: () =>
              awsCall('ec2:DescribeInstances', async () => {
                throw awsError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist");
              }),
          },
        ],
      },
      { steps: [{ name: 'swap', run: async () => done('should not run') }] },
    ];

    // Act
    const result = await runSteps({
      ctx: context(recorder),
      stages,
      work: null,
      vanishedErrors: ['InvalidInstanceID.NotFound'],
    });

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(
      /no longer exists \(InvalidInstanceID.NotFound: The instance ID 'i-1' does not exist\)/,
    );
    expect(result.steps).toEqual([expect.objectContaining({ name: 'describe', status: 'skipped' })]);
    expect(result.failedStep).toBeUndefined();
  });

  it('keeps the before-state of the part that took effect when a step fails part-way, and reports the failure', async () => {
    // Prepare
    const recorder: Recorder = { persisted: [], contained: [] };
    const denied = new AwsCallError(
      'sso:ProvisionPermissionSet',
      Object.assign(new Error('no'), { name: 'AccessDeniedException' }),
    );
    const stages: StageSpec<object>[] = [
      {
        steps: [
          {
            name: 'provision',
            run: () => Promise.reject(new PartialStepError(denied, { provisioned: { 'ps-b': true } })),
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: {} });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('provision');
    expect(result.error?.message).toContain('sso:ProvisionPermissionSet denied to the member role');
    expect(result.before).toEqual({ provisioned: { 'ps-b': true } });
    expect(recorder.persisted.at(-1)?.state.before).toEqual({ provisioned: { 'ps-b': true } });
  });

  it('ends skipped when a step halts the run', async () => {
    // Prepare
    const recorder = newRecorder();
    const stages: StageSpec<null>[] = [
      {
        steps: [
          {
            name: 'describe',
            run: async () => ({ status: 'skipped', detail: 'refused: exempt', halt: true }),
          },
        ],
      },
      { steps: [{ name: 'swap', run: async () => done('should not run') }] },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null });

    // Assess
    expect(result).toMatchObject({ outcome: 'skipped', detail: 'refused: exempt' });
    expect(result.steps.map((s) => s.name)).toEqual(['describe']);
  });

  it('reports containment once, after the containment stage and before the later stages', async () => {
    // Prepare
    const recorder = newRecorder();
    const order: string[] = [];
    const ctx = context(recorder, {
      onContained: () => {
        order.push('contained');
      },
    });
    const stages: StageSpec<null>[] = [
      {
        steps: [{ name: 'swap', run: async () => (order.push('swap'), done('swapped')) }],
        containment: true,
      },
      {
        steps: [
          {
            name: 'snapshot',
            offCriticalPath: true,
            run: async () => (order.push('snapshot'), done('snap')),
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx, stages, work: null });

    // Assess
    expect(order).toEqual(['swap', 'contained', 'snapshot']);
    expect(result.containedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('does not report containment when the containment stage failed', async () => {
    // Prepare
    const recorder = newRecorder();
    const stages: StageSpec<null>[] = [
      {
        containment: true,
        steps: [
          {
            name: 'swap',
            run: async () => {
              throw awsError('InternalError', 'boom');
            },
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.containedAt).toBeUndefined();
    expect(recorder.contained).toEqual([]);
  });

  it('carries over a `once` step done in an earlier run and re-runs it when it had failed', async () => {
    // Prepare
    const recorder = newRecorder();
    const calls: string[] = [];
    const previous: ActionState = {
      steps: [
        { name: 'snapshot', status: 'done', detail: 'snap-1', at: '2025-12-31T00:00:00.000Z' },
        { name: 'tag', status: 'failed', detail: 'Throttling', at: '2025-12-31T00:00:00.000Z' },
      ],
      before: {},
    };
    const stages: StageSpec<null>[] = [
      {
        steps: [
          { name: 'snapshot', once: true, run: async () => (calls.push('snapshot'), done('snap-2')) },
          { name: 'tag', once: true, run: async () => (calls.push('tag'), done('tagged')) },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: null, previous });

    // Assess
    expect(calls).toEqual(['tag']);
    expect(result.outcome).toBe('succeeded');
    expect(result.steps).toEqual([
      expect.objectContaining({
        name: 'snapshot',
        status: 'skipped',
        detail: 'already done in an earlier run: snap-1',
      }),
      expect.objectContaining({ name: 'tag', status: 'done' }),
    ]);
  });

  it('persists earlier records of steps not yet re-run, so a crash during a resume loses nothing', async () => {
    // Prepare
    const recorder = newRecorder();
    const previous: ActionState = {
      steps: [
        { name: 'a', status: 'done', detail: 'a1', at: '2025-12-31T00:00:00.000Z' },
        { name: 'b', status: 'failed', detail: 'b1', at: '2025-12-31T00:00:00.000Z' },
      ],
      before: {},
    };
    const stages: StageSpec<null>[] = [
      { steps: [{ name: 'a', run: async () => ({ status: 'skipped', detail: 'already in place' }) }] },
      { steps: [{ name: 'b', run: async () => done('b2') }] },
    ];

    // Act
    await runSteps({ ctx: context(recorder), stages, work: null, previous });

    // Assess: when `a` is persisted, `b`'s earlier record is still in the state
    expect(recorder.persisted[0]?.state.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'a:skipped',
      'b:failed',
    ]);
    expect(recorder.persisted[1]?.state.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'a:skipped',
      'b:done',
    ]);
  });

  it('propagates a persistence failure after the stage settles, without running later stages', async () => {
    // Prepare
    const ran: string[] = [];
    const ctx = context(newRecorder(), {
      onStep: async (step) => {
        if (step.name === 'a') throw new Error('store unavailable');
      },
    });
    const stages: StageSpec<null>[] = [
      {
        steps: [
          { name: 'a', run: async () => (ran.push('a'), done('a')) },
          { name: 'b', run: async () => (ran.push('b'), done('b')) },
        ],
      },
      { steps: [{ name: 'c', run: async () => (ran.push('c'), done('c')) }] },
    ];

    // Act / Assess
    await expect(runSteps({ ctx, stages, work: null })).rejects.toThrow('store unavailable');
    expect(ran.sort()).toEqual(['a', 'b']);
  });

  it('collects warnings and passes the shared work object between stages', async () => {
    // Prepare
    const recorder = newRecorder();
    const stages: StageSpec<{ groupId?: string }>[] = [
      {
        steps: [
          {
            name: 'find',
            run: async ({ work }) => {
              work.groupId = 'sg-1';
              return { status: 'skipped', detail: 'lookup', warnings: ['shared role'] };
            },
          },
        ],
      },
      { steps: [{ name: 'use', run: async ({ work }) => done(`used ${work.groupId ?? 'nothing'}`) }] },
    ];

    // Act
    const result = await runSteps({ ctx: context(recorder), stages, work: {} });

    // Assess
    expect(result.warnings).toEqual(['shared role']);
    expect(result.steps[1]?.detail).toBe('used sg-1');
  });
});

describe('Step runner helpers', () => {
  it('keeps arrays and scalars captured earlier when merging before-state', () => {
    // Prepare / Act
    const merged = mergeBefore(
      { ports: [80], flag: false, nested: { a: 1 } },
      { ports: [443], flag: true, nested: { a: 2, b: 3 }, added: 'x' },
    );

    // Assess
    expect(merged).toEqual({ ports: [80], flag: false, nested: { a: 1, b: 3 }, added: 'x' });
  });

  it('wraps AWS errors with the IAM action and keeps the original as cause', async () => {
    // Prepare
    const original = awsError('AccessDenied', 'User is not authorized to perform: iam:PutRolePolicy');

    // Act
    const error = await awsCall('iam:PutRolePolicy', async () => {
      throw original;
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ iamAction: 'iam:PutRolePolicy', awsName: 'AccessDenied', cause: original });
    expect(describeFailure(error, 'cordon-member').message).toBe(
      'AccessDenied: iam:PutRolePolicy denied to the member role cordon-member (AccessDenied: User is not authorized to perform: iam:PutRolePolicy)',
    );
  });

  it('describes errors that did not come from an AWS call', () => {
    // Prepare / Act
    const described = describeFailure(new Error('interface eni-1 has no groups'), 'cordon-member');

    // Assess
    expect(described).toEqual({ code: 'Error', message: 'Error: interface eni-1 has no groups' });
  });

  it('marks the record exposed before an exposing step and clears it once the next stage completed', async () => {
    // Prepare: the exposure marker and the step records, in the order they are persisted
    const recorder = newRecorder();
    const events: string[] = [];
    const ctx = context(recorder, {
      onStep: async (step) => void events.push(`step ${step.name}`),
      onExposure: async (at) => void events.push(at === undefined ? 'clear' : 'exposed'),
    });
    const stages: StageSpec<object>[] = [
      { steps: [{ name: 'prepare', run: async () => done('ready') }] },
      { steps: [{ name: 'cut', exposes: true, run: async () => done('allow-all for a moment') }] },
      { containment: true, steps: [{ name: 'isolate', run: async () => done('isolated') }] },
      { steps: [{ name: 'tag', run: async () => done('tagged') }] },
    ];

    // Act
    const result = await runSteps({ ctx, stages, work: {} });

    // Assess
    expect(result.outcome).toBe('succeeded');
    expect(events).toEqual(['step prepare', 'exposed', 'step cut', 'step isolate', 'clear', 'step tag']);
  });

  it('keeps the exposure marker when the stage that closes it fails', async () => {
    // Prepare
    const recorder = newRecorder();
    const events: string[] = [];
    const ctx = context(recorder, {
      onExposure: async (at) => void events.push(at === undefined ? 'clear' : 'exposed'),
    });
    const stages: StageSpec<object>[] = [
      { steps: [{ name: 'cut', exposes: true, run: async () => done('allow-all for a moment') }] },
      {
        steps: [
          {
            name: 'isolate',
            run: async () => {
              throw awsError('ThrottlingException', 'Rate exceeded');
            },
          },
        ],
      },
    ];

    // Act
    const result = await runSteps({ ctx, stages, work: {} });

    // Assess
    expect(result.outcome).toBe('failed');
    expect(events).toEqual(['exposed']);
  });

  it('stops at a lost lease: the refused step is not recorded and no later stage runs', async () => {
    // Prepare: the second stage's call is refused by the lease guard
    const recorder = newRecorder();
    let later = false;
    const stages: StageSpec<object>[] = [
      { steps: [{ name: 'first', run: async () => done('changed') }] },
      {
        steps: [
          {
            name: 'second',
            run: () =>
              awsCall('ec2:ModifyNetworkInterfaceAttribute', async () => {
                throw new LeaseLostError('lease ran out');
              }),
          },
        ],
      },
      {
        steps: [
          {
            name: 'third',
            run: async () => {
              later = true;
              return done('should not run');
            },
          },
        ],
      },
    ];

    // Act
    const run = runSteps({ ctx: context(recorder), stages, work: {} });

    // Assess
    await expect(run).rejects.toBeInstanceOf(LeaseLostError);
    expect(recorder.persisted.map((p) => p.step.name)).toEqual(['first']);
    expect(later).toBe(false);
  });
});
