/**
 * Memory capture of an EC2 instance through Systems Manager Run Command, when the rule asks for it
 * (`evidence: { memory: { ssmDocument: { name, version } } }`, docs/evidence.md). Off by default.
 *
 * cordon ships no acquisition tool and never runs a document the rule does not name: the organisation supplies
 * its own (AVML, LiME... wrapped in a Command document), pinned by version. The document version is described
 * first (its SHA-256 is recorded, and checked against the rule's when it pins one), then sent with that hash, so
 * SSM refuses to run another content under the same version. The command's output goes to the evidence bucket
 * under `<isolation-id>/memory/`; the image goes wherever the document writes it (the rule's parameters can name
 * the same place with `{{cordon:bucket}}` and `{{cordon:prefix}}`).
 *
 * It runs after containment like every evidence step: a failure, a refusal or a capture still running when the
 * wait ends is listed in the manifest as failed, with the command id in its error, and never changes the outcome.
 */
import type { GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import type { PermissionScope } from '../actions/contract.js';
import { awsErrorName } from '../aws/errors.js';
import { CordonError } from '../errors.js';
import type { Ec2InstanceResource } from '../findings/model.js';
import type { MemoryCaptureConfig } from '../policy/evidence-schema.js';
import type { StepContext } from './collector.js';

/** The artifact's name under the isolation's prefix. */
export const MEMORY_CAPTURE_NAME = 'memory/capture.json';

/** Seconds between two GetCommandInvocation calls (SSM allows a few per second; a capture takes minutes). */
export const POLL_SECONDS = 5;

const PERMISSIONS = ['ssm:DescribeDocument', 'ssm:SendCommand', 'ssm:GetCommandInvocation'] as const;

/** Granted only where the member-role module lists capture documents, on those documents' ARNs. */
const DOCUMENTS: PermissionScope = {
  sid: 'MemoryCaptureDocuments',
  resources: [],
  memoryCapture: 'documents',
  why: 'Describe the memory-capture documents the organisation lists (memory_capture_documents), and nothing else.',
};

const RUN_ON_INSTANCES: PermissionScope = {
  sid: 'MemoryCaptureRunCommand',
  resources: ['arn:${partition}:ec2:*:${account_id}:instance/*'],
  memoryCapture: 'documents',
  why:
    'SendCommand is authorised on the document and on the instance: only the listed memory-capture documents ' +
    '(memory_capture_documents), on instances of this account. Absent when no document is listed.',
};

const COMMAND_STATUS: PermissionScope = {
  sid: 'MemoryCaptureCommandStatus',
  resources: ['*'],
  memoryCapture: 'only',
  why: 'ssm:GetCommandInvocation has no resource type, so IAM accepts only "*"; granted only with memory capture.',
};

/** Memory capture as a member-role permission declarer (scripts/terraform-permissions.ts). */
export const memoryCaptureEvidence = {
  name: 'evidence:memory-capture',
  permissions: PERMISSIONS,
  scoping: {
    'ssm:DescribeDocument': [DOCUMENTS],
    'ssm:SendCommand': [RUN_ON_INSTANCES],
    'ssm:GetCommandInvocation': [COMMAND_STATUS],
  },
} as const;

/** Why a capture is listed as failed without an AWS error: refused before sending, or not finished in time. */
export class MemoryCaptureError extends CordonError {
  constructor(
    code: 'MEMORY_CAPTURE_DOCUMENT_REFUSED' | 'MEMORY_CAPTURE_FAILED' | 'MEMORY_CAPTURE_TIMED_OUT',
    message: string,
  ) {
    super(message, { code });
  }
}

/** Run Command statuses after which an invocation no longer changes. */
const FINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Undeliverable', 'Terminated']);

/** What the capture step needs besides the step context. */
export interface MemoryCaptureRun {
  config: MemoryCaptureConfig;
  /** The evidence bucket, where the command's output goes. */
  bucket: string;
  /** Wait between polls (a timer in the Lambda; tests pass one that returns at once). */
  sleep(ms: number): Promise<void>;
  /** Now, to bound the wait. */
  clock(): Date;
}

function substitute(
  parameters: Readonly<Record<string, readonly string[]>>,
  bucket: string,
  prefix: string,
): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, values]) => [
      name,
      values.map((v) => v.replaceAll('{{cordon:bucket}}', bucket).replaceAll('{{cordon:prefix}}', prefix)),
    ]),
  );
}

function iso(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.toISOString();
}

/**
 * Describe the pinned document, send it to the instance, and poll its invocation until it ends or the rule's
 * `waitSeconds` pass. Returns the artifact's content on success.
 * @throws MemoryCaptureError when the document is refused, the command ends unsuccessfully or is still running
 *   at the end of the wait; an AWS error as is (each is listed as failed in the manifest).
 */
export async function captureMemory(
  ctx: StepContext,
  instance: Ec2InstanceResource,
  run: MemoryCaptureRun,
): Promise<unknown> {
  const { config } = run;
  const { name, version } = config.ssmDocument;
  const described = await ctx.call('ssm:DescribeDocument', () =>
    ctx.clients.ssm.describeDocument({ Name: name, DocumentVersion: version }),
  );
  const doc = described.Document;
  const document = {
    name,
    version,
    sha256: doc?.Hash ?? null,
    hashType: doc?.HashType ?? null,
    status: doc?.Status ?? null,
    type: doc?.DocumentType ?? null,
    owner: doc?.Owner ?? null,
  };
  const describe = `document ${name} version ${version} (sha256 ${document.sha256 ?? 'unknown'})`;
  if (doc?.Hash === undefined || doc.HashType !== 'Sha256' || doc.DocumentVersion !== version) {
    throw new MemoryCaptureError(
      'MEMORY_CAPTURE_DOCUMENT_REFUSED',
      `${describe}: SSM did not answer a SHA-256 of that exact version (HashType ${doc?.HashType ?? 'none'}, version ${doc?.DocumentVersion ?? 'none'}); not sent`,
    );
  }
  if (doc.Status !== 'Active' || doc.DocumentType !== 'Command') {
    throw new MemoryCaptureError(
      'MEMORY_CAPTURE_DOCUMENT_REFUSED',
      `${describe} is ${doc.Status ?? 'of unknown status'}, type ${doc.DocumentType ?? 'unknown'}: Run Command needs an Active Command document; not sent`,
    );
  }
  const pinned = config.ssmDocument.sha256;
  if (pinned !== undefined && pinned !== doc.Hash) {
    throw new MemoryCaptureError(
      'MEMORY_CAPTURE_DOCUMENT_REFUSED',
      `${describe} is not the document the rule pins (sha256 ${pinned}); not sent`,
    );
  }

  const prefix = `${ctx.isolationId}/memory/`;
  const parameters = substitute(config.parameters ?? {}, run.bucket, prefix);
  const sent = await ctx.call('ssm:SendCommand', () =>
    ctx.clients.ssm.sendCommand({
      DocumentName: name,
      DocumentVersion: version,
      DocumentHash: doc.Hash,
      DocumentHashType: 'Sha256',
      InstanceIds: [instance.id],
      Parameters: parameters,
      OutputS3BucketName: run.bucket,
      OutputS3KeyPrefix: prefix,
      Comment: `cordon memory capture for ${ctx.isolationId}`.slice(0, 100),
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (commandId === undefined) {
    throw new MemoryCaptureError(
      'MEMORY_CAPTURE_FAILED',
      `SendCommand answered no command id for ${describe}`,
    );
  }
  const where = `command ${commandId} (${describe}) on ${instance.id}`;

  const deadline = run.clock().getTime() + config.waitSeconds * 1000;
  let last: GetCommandInvocationCommandOutput | undefined;
  for (;;) {
    try {
      last = await ctx.call('ssm:GetCommandInvocation', () =>
        ctx.clients.ssm.getCommandInvocation({ CommandId: commandId, InstanceId: instance.id }),
      );
    } catch (error) {
      // SSM may not know the invocation for a moment after SendCommand: keep polling within the wait.
      if (awsErrorName(error) !== 'InvocationDoesNotExist') throw error;
    }
    if (last?.Status !== undefined && FINAL.has(last.Status)) break;
    if (run.clock().getTime() >= deadline) {
      throw new MemoryCaptureError(
        'MEMORY_CAPTURE_TIMED_OUT',
        `${where} is still ${last?.Status ?? 'not delivered'} after ${config.waitSeconds} s: not known to be captured. The command keeps running; its output, if any, goes to s3://${run.bucket}/${prefix}`,
      );
    }
    await run.sleep(POLL_SECONDS * 1000);
  }
  if (last.Status !== 'Success') {
    throw new MemoryCaptureError(
      'MEMORY_CAPTURE_FAILED',
      `${where} ended ${last.Status ?? 'unknown'} (${last.StatusDetails ?? 'no details'}, exit code ${String(last.ResponseCode ?? 'none')}): ${(last.StandardErrorContent ?? '').slice(0, 500)}`,
    );
  }
  return {
    commandId,
    instanceId: instance.id,
    document,
    parameters,
    output: { bucket: run.bucket, prefix },
    requestedAt: iso(sent.Command?.RequestedDateTime),
    executionStartedAt: last.ExecutionStartDateTime ?? null,
    executionEndedAt: last.ExecutionEndDateTime ?? null,
    status: last.Status,
    statusDetails: last.StatusDetails ?? null,
    responseCode: last.ResponseCode ?? null,
    // Run Command returns at most 24,000 characters of each; the full output is under `output`.
    standardOutput: last.StandardOutputContent ?? '',
    standardError: last.StandardErrorContent ?? '',
  };
}
