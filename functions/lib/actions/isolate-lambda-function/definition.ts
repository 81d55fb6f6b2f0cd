/**
 * `isolate-lambda-function`: stop a function from running and from being called from outside its account,
 * reversibly.
 *
 * Apply, after recording the reserved concurrency (or its absence), the URL configuration (or its absence) and, in
 * full, the resource-policy statements it will remove:
 * 1. reserved concurrency 0 (the containment stage): Lambda throttles every invocation, whatever the caller, the
 *    version or the alias;
 * 2. in parallel: a URL with auth type NONE is switched to AWS_IAM (its address stays: a deleted URL cannot be
 *    brought back, a new one gets another address); the public and cross-account statements are removed
 *    (policy.ts); optionally, the execution role's older sessions are denied (shared/session-revocation.ts).
 * Every write only narrows access, so a run that stops anywhere leaves the function as it was or more contained.
 *
 * Release undoes the narrowing writes first (statements, URL auth type, session revocation) while the function is
 * still throttled, and gives back the concurrency last, so a failed release leaves it contained.
 */
import type { LambdaFunctionResource } from '../../findings/model.js';
import type * as z from 'zod';
import { sessionRevocationPolicyName } from '../../aws/iam-policies.js';
import { resourcePartition } from '../../kernel/arn.js';
import { LAMBDA_FUNCTION_NAME } from '../../kernel/id-patterns.js';
import { functionArn, readFunctionTags } from '../../resources/lambda-function.js';
import { IAM_ROLE, type IamRoleResource } from '../../resources/iam-role.js';
import type { ActionContext } from '../contract.js';
import { checkGuards } from '../guards.js';
import { defineRunnableAction } from '../runner.js';
import {
  deleteSessionRevocation,
  putSessionRevocation,
  readSessionRevocation,
} from '../shared/session-revocation.js';
import type { StageSpec, StepOutcome } from '../steps.js';
import {
  functionBeforeSchema,
  recordedFunction,
  type FunctionBefore,
  type PolicyStatement,
  type RecordedConcurrency,
  type RecordedUrl,
} from './before.js';
import {
  addStatement,
  deleteConcurrency,
  putConcurrency,
  readConcurrency,
  readExecutionRole,
  readStatements,
  readUrl,
  removeStatement,
  setUrlAuthType,
  type FunctionRef,
} from './function.js';
import { isolateLambdaFunctionManifest } from './manifest.js';
import { exposureOf, permissionInput, sidOf } from './policy.js';

export type { FunctionBefore } from './before.js';

type Params = z.output<typeof isolateLambdaFunctionManifest.params>;

interface ApplyWork {
  fn: LambdaFunctionResource;
  /** What the first step read this run. */
  live?: { concurrency: RecordedConcurrency; url: RecordedUrl; statements: PolicyStatement[] };
}

interface ReleaseWork {
  fn: LambdaFunctionResource;
  recorded: FunctionBefore | undefined;
}

function refOf(ctx: ActionContext, fn: LambdaFunctionResource): FunctionRef {
  return { lambda: ctx.clients.lambda, FunctionName: fn.id };
}

/** The unqualified ARN, in the partition of the finding's ARN or else of the region (never the finding's text). */
function arnOf(fn: LambdaFunctionResource): string {
  return functionArn(fn.region, fn.accountId, fn.id, resourcePartition(fn.arn, fn.region));
}

function describeConcurrency(c: RecordedConcurrency): string {
  return c.state === 'absent' ? 'no reserved concurrency' : `reserved concurrency ${c.reserved}`;
}

function describeUrl(url: RecordedUrl): string {
  return url.state === 'absent'
    ? 'no function URL'
    : `function URL ${url.functionUrl} (auth ${url.authType})`;
}

/** The statements to remove, and the exposing ones AddPermission could not rebuild (left in place). */
function exposingStatements(
  fn: LambdaFunctionResource,
  statements: readonly PolicyStatement[],
): { removable: PolicyStatement[]; kept: PolicyStatement[] } {
  const arn = arnOf(fn);
  const exposing = statements.filter((s) => exposureOf(s, fn.accountId) !== undefined);
  return {
    removable: exposing.filter((s) => permissionInput(s, arn) !== undefined),
    kept: exposing.filter((s) => permissionInput(s, arn) === undefined),
  };
}

/** The execution role as an IAM role resource, for the guards; undefined for a role of another account. */
function executionRole(fn: LambdaFunctionResource, roleArn: string): IamRoleResource | undefined {
  const [, , service, , account, resource] = roleArn.split(':');
  if (service !== 'iam' || account !== fn.accountId || !resource?.startsWith('role/')) return undefined;
  const roleName = resource.split('/').pop();
  if (roleName === undefined || roleName === '') return undefined;
  return {
    type: IAM_ROLE,
    id: roleName,
    roleName,
    arn: roleArn,
    accountId: fn.accountId,
    region: fn.region,
    tags: {},
  };
}

const NOT_RECORDED = 'the function state was not recorded';

function applyStages(p: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'capture-function-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const ref = refOf(ctx, work.fn);
            // GetFunctionConfiguration first and alone: a missing function ends the run before the readers that
            // take ResourceNotFoundException as "no URL" or "no policy".
            const roleArn = await readExecutionRole(ref);
            const [tags, concurrency, url, statements] = await Promise.all([
              readFunctionTags(ctx.clients, arnOf(work.fn)),
              readConcurrency(ref),
              readUrl(ref),
              readStatements(ref),
            ]);
            const verdict = checkGuards(work.fn, ctx.guard, tags);
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.live = { concurrency, url, statements };
            if (recordedFunction(before) !== undefined) {
              return { status: 'skipped', detail: 'state already recorded by an earlier run' };
            }
            const { removable } = exposingStatements(work.fn, statements);
            const recorded: FunctionBefore = {
              functionName: ref.FunctionName,
              functionArn: arnOf(work.fn),
              concurrency,
              url,
              removedStatements: removable,
              ...(roleArn !== undefined ? { executionRoleArn: roleArn } : {}),
            };
            return {
              status: 'done',
              detail: `recorded ${describeConcurrency(concurrency)}, ${describeUrl(url)} and ${removable.length} public or cross-account statement(s) of ${statements.length} in the resource policy of ${ref.FunctionName}`,
              before: { lambdaFunction: recorded },
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'set-reserved-concurrency-zero',
          async run({ work, ctx }) {
            const live = work.live;
            if (!live) return { status: 'skipped', detail: NOT_RECORDED };
            if (live.concurrency.state === 'present' && live.concurrency.reserved === 0) {
              return { status: 'skipped', detail: 'reserved concurrency is already 0' };
            }
            await putConcurrency(refOf(ctx, work.fn), 0);
            return {
              status: 'done',
              detail: `reserved concurrency 0: every invocation is throttled (was: ${describeConcurrency(live.concurrency)})`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'close-function-url',
          async run({ work, ctx }) {
            const url = work.live?.url;
            if (url?.state !== 'present') return { status: 'skipped', detail: 'the function has no URL' };
            if (url.authType !== 'NONE') {
              return { status: 'skipped', detail: `the function URL already requires ${url.authType}` };
            }
            await setUrlAuthType(refOf(ctx, work.fn), 'AWS_IAM');
            return {
              status: 'done',
              detail: `function URL ${url.functionUrl} requires AWS_IAM auth (was NONE); its address is kept`,
            };
          },
        },
        {
          name: 'remove-public-statements',
          async run({ work, before, ctx }) {
            const live = work.live;
            const recorded = recordedFunction(before);
            if (!live || !recorded) return { status: 'skipped', detail: NOT_RECORDED };
            const ref = refOf(ctx, work.fn);
            // Only what the before-state holds in full is removed: release must be able to put it back.
            const liveSids = new Set(live.statements.map(sidOf));
            const toRemove = recorded.removedStatements.flatMap((s) => {
              const sid = sidOf(s);
              return sid !== undefined && liveSids.has(sid) ? [sid] : [];
            });
            const { kept } = exposingStatements(work.fn, live.statements);
            const warnings = kept.map(
              (s) =>
                `statement ${sidOf(s) ?? '(no Sid)'} of ${ref.FunctionName} opens it to other accounts or the public but AddPermission could not rebuild it on release: left in place (reserved concurrency 0 still throttles its callers)`,
            );
            for (const sid of toRemove) await removeStatement(ref, sid);
            if (toRemove.length === 0) {
              return {
                status: 'skipped',
                detail: 'no public or cross-account statement to remove',
                warnings,
              };
            }
            return {
              status: 'done',
              detail: `removed statement(s) ${toRemove.join(', ')} from the resource policy (recorded in full)`,
              warnings,
            };
          },
        },
        {
          name: 'revoke-execution-role-sessions',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            if (!p.revokeExecutionRoleSessions) return { status: 'skipped', detail: 'not requested' };
            const recorded = recordedFunction(before);
            const roleArn = recorded?.executionRoleArn;
            const role = roleArn !== undefined ? executionRole(work.fn, roleArn) : undefined;
            if (!role) {
              return {
                status: 'skipped',
                detail: `no execution role of account ${work.fn.accountId} to revoke (${roleArn ?? 'none recorded'})`,
              };
            }
            const verdict = checkGuards(role, ctx.guard);
            if (!verdict.allowed) {
              return { status: 'skipped', detail: `execution role not revoked: ${verdict.reason}` };
            }
            const principal = { kind: 'role', roleName: role.roleName } as const;
            const policyName = sessionRevocationPolicyName(ctx.isolationId);
            const existing = await readSessionRevocation(ctx.clients.iam, principal, policyName);
            const issued = recorded?.sessionRevocation?.issuedBefore;
            if (issued !== undefined && existing === issued) {
              return {
                status: 'skipped',
                detail: `${policyName} already denies sessions issued before ${issued}`,
              };
            }
            // A resumed run keeps the first cut-off: the sessions to deny are those alive at first containment.
            const issuedBefore = issued ?? ctx.now().toISOString();
            await putSessionRevocation(ctx.clients.iam, principal, policyName, issuedBefore);
            return {
              status: 'done',
              detail: `inline policy ${policyName} denies sessions of execution role ${role.roleName} issued before ${issuedBefore}`,
              before: { lambdaFunction: { sessionRevocation: { roleName: role.roleName, issuedBefore } } },
              warnings: [
                `every session of role ${role.roleName} issued before ${issuedBefore} is denied, including those of other functions or people sharing the role`,
              ],
            };
          },
        },
      ],
    },
  ];
}

async function restoreStatements(ref: FunctionRef, recorded: FunctionBefore): Promise<StepOutcome> {
  if (recorded.removedStatements.length === 0) {
    return { status: 'skipped', detail: 'apply removed no statement' };
  }
  const live = new Set((await readStatements(ref)).map(sidOf));
  const added: string[] = [];
  for (const statement of recorded.removedStatements) {
    const sid = sidOf(statement);
    const input = permissionInput(statement, recorded.functionArn);
    // Recorded only when rebuildable (see exposingStatements); a record that is not is left as is, and said so.
    if (sid === undefined || input === undefined || live.has(sid)) continue;
    await addStatement(ref, input);
    added.push(sid);
  }
  if (added.length === 0) {
    return { status: 'skipped', detail: 'every removed statement is back in the resource policy' };
  }
  return { status: 'done', detail: `added back statement(s) ${added.join(', ')} as recorded` };
}

async function restoreUrl(ref: FunctionRef, recorded: RecordedUrl): Promise<StepOutcome> {
  if (recorded.state === 'absent' || recorded.authType !== 'NONE') {
    return { status: 'skipped', detail: 'apply did not change the function URL' };
  }
  const live = await readUrl(ref);
  if (live.state === 'absent') {
    return {
      status: 'skipped',
      detail: 'the function URL was deleted during the isolation; cordon cannot bring back its address',
      warnings: [
        `function URL ${recorded.functionUrl} of ${ref.FunctionName} was deleted during the isolation`,
      ],
    };
  }
  if (live.authType === 'NONE')
    return { status: 'skipped', detail: 'the function URL has auth NONE, as before' };
  await setUrlAuthType(ref, 'NONE');
  return { status: 'done', detail: `function URL ${live.functionUrl} has auth NONE again` };
}

async function restoreConcurrency(ref: FunctionRef, recorded: RecordedConcurrency): Promise<StepOutcome> {
  const live = await readConcurrency(ref);
  if (live.state === 'present' && live.reserved !== 0) {
    // Someone set another value during the isolation: theirs stands.
    return {
      status: 'skipped',
      detail: `reserved concurrency was changed to ${live.reserved} during the isolation; left as it is`,
      warnings: [
        `reserved concurrency of ${ref.FunctionName} was changed during the isolation and is left at ${live.reserved}`,
      ],
    };
  }
  if (recorded.state === 'absent') {
    if (live.state === 'absent') return { status: 'skipped', detail: 'no reserved concurrency, as before' };
    await deleteConcurrency(ref);
    return { status: 'done', detail: 'removed the reserved concurrency (the function had none)' };
  }
  if (live.state === 'present' && live.reserved === recorded.reserved) {
    return { status: 'skipped', detail: `${describeConcurrency(recorded)}, as before` };
  }
  await putConcurrency(ref, recorded.reserved);
  return { status: 'done', detail: `restored ${describeConcurrency(recorded)}` };
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  const nothingRecorded: StepOutcome = {
    status: 'skipped',
    detail: 'no function state was recorded: apply changed nothing',
  };
  return [
    {
      steps: [
        {
          name: 'restore-policy-statements',
          run: async ({ work, ctx }) =>
            work.recorded ? restoreStatements(refOf(ctx, work.fn), work.recorded) : nothingRecorded,
        },
        {
          name: 'restore-function-url',
          run: async ({ work, ctx }) =>
            work.recorded ? restoreUrl(refOf(ctx, work.fn), work.recorded.url) : nothingRecorded,
        },
        {
          name: 'remove-execution-role-revocation',
          async run({ work, ctx }): Promise<StepOutcome> {
            const revocation = work.recorded?.sessionRevocation;
            if (!revocation) return { status: 'skipped', detail: 'no session revocation was put' };
            const policyName = sessionRevocationPolicyName(ctx.isolationId);
            const principal = { kind: 'role', roleName: revocation.roleName } as const;
            if (!(await deleteSessionRevocation(ctx.clients.iam, principal, policyName))) {
              return { status: 'skipped', detail: `${policyName} is not on role ${revocation.roleName}` };
            }
            return {
              status: 'done',
              detail: `removed inline policy ${policyName} from ${revocation.roleName}`,
            };
          },
        },
      ],
    },
    {
      // Last: until every narrowing write above is undone, the function stays throttled.
      steps: [
        {
          name: 'restore-reserved-concurrency',
          run: async ({ work, ctx }) =>
            work.recorded
              ? restoreConcurrency(refOf(ctx, work.fn), work.recorded.concurrency)
              : nothingRecorded,
        },
      ],
    },
  ];
}

export const isolateLambdaFunction = defineRunnableAction(isolateLambdaFunctionManifest, {
  checkResource: (fn) =>
    LAMBDA_FUNCTION_NAME.test(fn.id) ? undefined : `${fn.id} is not a Lambda function name`,
  before: functionBeforeSchema,
  goneErrors: ['ResourceNotFoundException'],
  limitations: [
    'Invocations already running complete; reserved concurrency 0 throttles every new one, synchronous callers get a throttling error and asynchronous events are retried, then sent to the failure destination or dead-letter queue.',
    'Event source mappings (SQS, Kinesis, DynamoDB streams) are not disabled: their records wait (SQS messages may reach their dead-letter queue) and are processed after release.',
    'Only the unqualified function is changed: URLs and resource-policy statements of aliases are not (reserved concurrency covers every version and alias).',
    'A function URL is switched to AWS_IAM auth, not deleted: a deleted URL cannot be brought back with its address. Its CORS settings are not changed.',
    'Statements that AddPermission cannot rebuild (written with conditions or principals it does not take) are left in place and named in a warning.',
    "The execution role's credentials already handed out stay valid unless revokeExecutionRoleSessions is set; that revocation denies every older session of the role, other functions sharing it included.",
    'Code, layers, environment variables and data the function already sent out are not touched.',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ fn: resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ fn: resource, recorded: before.lambdaFunction }),
  },
});
