/**
 * `isolate-s3-bucket`: cut every principal but cordon and a break-glass role off a bucket, reversibly.
 *
 * Apply, after recording the bucket's own Block Public Access configuration and its policy (absent ones
 * recorded as absent):
 * 1. merges a Deny statement with cordon's Sid (policy.ts) into the bucket policy, keeping every other
 *    statement. It goes first because it contains on its own (explicit denies beat ACL grants and public
 *    statements), and because S3 refuses to write a public policy, which the merged one is when the original
 *    was, once BlockPublicPolicy is on. A malformed policy or one the Deny would push past S3's 20 KB limit
 *    fails this step before anything is written;
 * 2. turns the four Block Public Access flags on.
 * Every write only narrows access, so a run that stops anywhere leaves the bucket as it was or more contained.
 *
 * Release restores the recorded Block Public Access configuration first (so that restoring a public policy is
 * not refused), then the policy: the recorded document when the live one is that document plus cordon's
 * statement, else (someone changed the policy since) only cordon's statement is taken out.
 */
import type { S3BucketResource } from '../../findings/model.js';
import * as z from 'zod';
import { CordonError } from '../../errors.js';
import { memberRoleArn, resourcePartition } from '../../kernel/arn.js';
import { readBucketTags, S3_BUCKET_NAME } from '../../resources/s3-bucket.js';
import type { ActionContext } from '../contract.js';
import { checkGuards } from '../guards.js';
import { defineRunnableAction } from '../runner.js';
import { isolateS3BucketManifest } from './manifest.js';
import type { StageSpec, StepOutcome } from '../steps.js';
import {
  bucketBeforeSchema,
  recordedBucket,
  type BucketBefore,
  type RecordedBlock,
  type RecordedPolicy,
} from './before.js';
import {
  ALL_BLOCKED,
  blockEquals,
  deleteBucketPolicy,
  deletePublicAccessBlock,
  putBucketPolicy,
  putPublicAccessBlock,
  readBucketPolicy,
  readPublicAccessBlock,
  type BucketRef,
} from './bucket.js';
import {
  CORDON_SID,
  cordonStatement,
  findCordonStatement,
  mergeCordon,
  parsePolicy,
  policyText,
  sameStatement,
  samePolicy,
  withoutCordon,
} from './policy.js';

export type { BucketBefore } from './before.js';

type Params = z.output<typeof isolateS3BucketManifest.params>;

/** What the first step read this run; the later steps act on it. */
interface LiveState {
  block: RecordedBlock;
  policy: RecordedPolicy;
}

interface ApplyWork {
  bucket: S3BucketResource;
  live?: LiveState;
}

interface ReleaseWork {
  bucket: S3BucketResource;
  recorded: BucketBefore | undefined;
}

/** A later step ran without the state the first step reads: a bug in the stage layout, never AWS's answer. */
class BucketStateMissingError extends CordonError {
  constructor(step: string) {
    super(`${step} ran before the bucket state was read`, { code: 'BUCKET_STATE_MISSING' });
  }
}

function refOf(ctx: ActionContext, bucket: S3BucketResource): BucketRef {
  return { s3: ctx.clients.s3, Bucket: bucket.id, ExpectedBucketOwner: bucket.accountId };
}

/** The bucket's ARN, in the partition of the finding's ARN or else of its region (never the finding's text). */
function bucketArnOf(bucket: S3BucketResource): string {
  return `arn:${resourcePartition(bucket.arn, bucket.region)}:s3:::${bucket.id}`;
}

function describeBlock(block: RecordedBlock): string {
  if (block.state === 'absent') return 'no Block Public Access configuration';
  const on = Object.entries(block).filter(([k, v]) => k !== 'state' && v === true);
  return `Block Public Access ${on.length === 0 ? 'all off' : on.map(([k]) => k).join(', ')}`;
}

/**
 * What to record of the live policy: as it is, except that a statement of cordon's already there (left by an
 * isolation whose record is gone) is not the customer's and is left out.
 */
function policyToRecord(bucket: string, live: RecordedPolicy): RecordedPolicy {
  if (live.state === 'absent') return live;
  let document;
  try {
    document = parsePolicy(bucket, live.document);
  } catch {
    // Recorded verbatim; the deny step fails on it before any write.
    return live;
  }
  if (findCordonStatement(document) === undefined) return live;
  const customer = withoutCordon(document);
  return customer.statements.length === 0
    ? { state: 'absent' }
    : { state: 'present', document: policyText(customer) };
}

function applyStages(p: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'capture-bucket-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const ref = refOf(ctx, work.bucket);
            const [tags, block, policy] = await Promise.all([
              readBucketTags(ctx.clients, ref.Bucket, ref.ExpectedBucketOwner),
              readPublicAccessBlock(ref),
              readBucketPolicy(ref),
            ]);
            const verdict = checkGuards(work.bucket, ctx.guard, tags);
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.live = { block, policy };
            if (recordedBucket(before) !== undefined) {
              return { status: 'skipped', detail: 'state already recorded by an earlier run' };
            }
            const recorded: BucketBefore = {
              bucket: ref.Bucket,
              publicAccessBlock: block,
              policy: policyToRecord(ref.Bucket, policy),
            };
            return {
              status: 'done',
              detail: `recorded ${describeBlock(block)} and ${policy.state === 'absent' ? 'no bucket policy' : 'the bucket policy'} of ${ref.Bucket}`,
              before: { s3Bucket: recorded },
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'deny-other-principals',
          async run({ work, ctx }) {
            const live = work.live;
            if (!live) throw new BucketStateMissingError('deny-other-principals');
            const ref = refOf(ctx, work.bucket);
            const allowed = [
              memberRoleArn(ctx.region, ref.ExpectedBucketOwner, ctx.guard.memberRoleName),
              ...p.breakGlassRoleArns,
            ];
            const statement = cordonStatement(bucketArnOf(work.bucket), allowed);
            // Both checks throw before any write: a malformed or oversized policy leaves the bucket unchanged.
            const existing =
              live.policy.state === 'present' ? parsePolicy(ref.Bucket, live.policy.document) : undefined;
            const current = existing ? findCordonStatement(existing) : undefined;
            if (current && sameStatement(current, statement)) {
              return { status: 'skipped', detail: `the bucket policy already has statement ${CORDON_SID}` };
            }
            const merged = mergeCordon(ref.Bucket, existing, statement);
            await putBucketPolicy(ref, merged.text);
            const kept = merged.document.statements.length - 1;
            return {
              status: 'done',
              detail: `statement ${CORDON_SID} denies s3:* on ${ref.Bucket} to every principal except ${allowed.join(', ')}; ${kept} other statement(s) kept`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'block-public-access',
          async run({ work, ctx }) {
            const live = work.live;
            if (!live) throw new BucketStateMissingError('block-public-access');
            if (blockEquals(live.block, ALL_BLOCKED)) {
              return { status: 'skipped', detail: 'Block Public Access is already all on' };
            }
            await putPublicAccessBlock(refOf(ctx, work.bucket), ALL_BLOCKED);
            return {
              status: 'done',
              detail: `Block Public Access all on (was: ${describeBlock(live.block)})`,
            };
          },
        },
      ],
    },
  ];
}

async function restoreBlock(ref: BucketRef, recorded: RecordedBlock): Promise<StepOutcome> {
  const live = await readPublicAccessBlock(ref);
  if (recorded.state === 'absent') {
    if (live.state === 'absent') {
      return { status: 'skipped', detail: 'the bucket has no Block Public Access configuration, as before' };
    }
    await deletePublicAccessBlock(ref);
    return { status: 'done', detail: 'deleted the Block Public Access configuration (the bucket had none)' };
  }
  const { state: _state, ...flags } = recorded;
  if (blockEquals(live, flags)) {
    return { status: 'skipped', detail: `${describeBlock(recorded)}, as before` };
  }
  await putPublicAccessBlock(ref, flags);
  return { status: 'done', detail: `restored ${describeBlock(recorded)}` };
}

async function restorePolicy(ref: BucketRef, recorded: RecordedPolicy): Promise<StepOutcome> {
  const live = await readBucketPolicy(ref);
  if (live.state === 'absent') {
    return {
      status: 'skipped',
      detail:
        recorded.state === 'absent'
          ? 'the bucket has no policy, as before'
          : 'the bucket policy was deleted during the isolation; cordon does not bring it back',
    };
  }
  if (recorded.state === 'present' && live.document === recorded.document) {
    // Checked before parsing: a malformed policy cordon never changed is left alone, not failed on.
    return { status: 'skipped', detail: 'the bucket policy is the recorded one' };
  }
  const current = parsePolicy(ref.Bucket, live.document);
  const customer = withoutCordon(current);
  const hadCordon = customer.statements.length !== current.statements.length;
  const unchanged =
    recorded.state === 'absent'
      ? customer.statements.length === 0
      : samePolicy(customer, parsePolicy(ref.Bucket, recorded.document));
  if (unchanged) {
    if (recorded.state === 'absent') {
      await deleteBucketPolicy(ref);
      return { status: 'done', detail: 'deleted the bucket policy (the bucket had none)' };
    }
    await putBucketPolicy(ref, recorded.document);
    return { status: 'done', detail: 'restored the recorded bucket policy' };
  }
  // Changed since the isolation: keep what others did, take out only what cordon added.
  if (!hadCordon) {
    return {
      status: 'skipped',
      detail: `the bucket policy has no statement ${CORDON_SID} and was changed during the isolation; left as it is`,
    };
  }
  if (customer.statements.length === 0) {
    await deleteBucketPolicy(ref);
    return {
      status: 'done',
      detail: `deleted the bucket policy: statement ${CORDON_SID} was its only statement`,
    };
  }
  await putBucketPolicy(ref, policyText(customer));
  return {
    status: 'done',
    detail: `the bucket policy was changed during the isolation: removed only statement ${CORDON_SID}, kept the other changes`,
    warnings: [
      `the bucket policy of ${ref.Bucket} was changed during the isolation; release removed cordon's statement and kept the changes instead of restoring the recorded policy`,
    ],
  };
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  const nothingRecorded: StepOutcome = {
    status: 'skipped',
    detail: 'no bucket state was recorded: apply changed nothing',
  };
  return [
    {
      steps: [
        {
          name: 'restore-public-access-block',
          run: async ({ work, ctx }) =>
            work.recorded
              ? restoreBlock(refOf(ctx, work.bucket), work.recorded.publicAccessBlock)
              : nothingRecorded,
        },
      ],
    },
    {
      steps: [
        {
          name: 'restore-bucket-policy',
          run: async ({ work, ctx }) =>
            work.recorded ? restorePolicy(refOf(ctx, work.bucket), work.recorded.policy) : nothingRecorded,
        },
      ],
    },
  ];
}

export const isolateS3Bucket = defineRunnableAction(isolateS3BucketManifest, {
  checkResource: (bucket) =>
    S3_BUCKET_NAME.test(bucket.id) ? undefined : `${bucket.id} is not an S3 bucket name`,
  before: bucketBeforeSchema,
  goneErrors: ['NoSuchBucket'],
  limitations: [
    'Requests already authorised keep running (an upload or download in progress completes); presigned URLs stop working, because they act as the principal that signed them.',
    'AWS services that write to the bucket as a service principal (CloudTrail, S3 server access logs, ELB access logs) are denied too: containing a log bucket stops that logging.',
    "Data already copied out, and replication to another bucket that S3 performs with a role that is not denied, are outside the bucket policy's reach; check the replication configuration.",
    "The account's root user can still delete the bucket policy (AWS never lets a bucket policy lock the root user out): that is the recovery path if the break-glass role is lost.",
    'Access points and ACLs are not changed: the bucket policy Deny also applies to requests through access points, and explicit denies override ACL grants.',
    'A policy that is not valid JSON, or that the Deny would push past the 20 KB bucket policy limit, fails the isolation before anything is written.',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ bucket: resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ bucket: resource, recorded: before.s3Bucket }),
  },
});
