/**
 * Where cordon's Security Hub writes go. In AWS: Security Hub itself. Against a local emulator (which has no
 * BatchUpdateFindings): an outbox file, `.cordon/securityhub-outbox.jsonl`, one JSON line per call, so the
 * sandbox and `cordon replay` show exactly what would have been sent.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  AwsSecurityFinding,
  BatchUpdateFindingsCommandInput,
  SecurityHub,
} from '@aws-sdk/client-securityhub';
import { clientGetter, type ClientSource } from '../aws/sdk.js';
import type { WorkflowStatus } from '../findings/model.js';
import { readStringMap } from '../findings/string-maps.js';
import type { CurrentFinding } from './finding-state.js';

/** A finding Security Hub did not update, with its error code (e.g. `ConcurrentUpdateError`). */
export interface UnprocessedFinding {
  id: string;
  productArn: string;
  errorCode: string;
  errorMessage: string;
}

export interface BatchUpdateResult {
  unprocessed: UnprocessedFinding[];
}

export interface BatchImportResult {
  /** Findings that failed to import, with the error. */
  failed: { id: string; errorCode: string; errorMessage: string }[];
}

/** Security Hub writes cordon makes. Transient failures throw (the SDK already retried throttling). */
export interface SecurityHubWriter {
  /** Human-readable name for logs and CLI output: `securityhub` or `outbox:<path>`. */
  readonly target: string;
  batchUpdateFindings(input: BatchUpdateFindingsCommandInput): Promise<BatchUpdateResult>;
  batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult>;
  /**
   * The finding as it is now (workflow, note, user-defined fields), or undefined when Security Hub does not have
   * it, or the target cannot read (the outbox).
   */
  getFinding(ref: { id: string; productArn: string }): Promise<CurrentFinding | undefined>;
}

const WORKFLOW_STATUSES: readonly WorkflowStatus[] = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];

/** Map a GetFindings result explicitly: Security Hub's output is data from outside, not cordon's own type. */
export function currentFindingOf(finding: AwsSecurityFinding): CurrentFinding {
  const current: CurrentFinding = { userDefinedFields: readStringMap(finding.UserDefinedFields) };
  const status = WORKFLOW_STATUSES.find((s) => s === finding.Workflow?.Status);
  if (status !== undefined) current.workflowStatus = status;
  const note = finding.Note;
  if (note?.Text !== undefined && note.UpdatedBy !== undefined) {
    current.note = { text: note.Text, updatedBy: note.UpdatedBy };
  }
  return current;
}

/** Writes to Security Hub through the SDK client (its adaptive retry handles throttling). */
export class AwsSecurityHubWriter implements SecurityHubWriter {
  readonly target = 'securityhub';

  private readonly client: () => Promise<SecurityHub>;

  /** @param securityHub the client, or a function building it on first use (see aws/sdk.ts) */
  constructor(securityHub: ClientSource<SecurityHub>) {
    this.client = clientGetter(securityHub);
  }

  async batchUpdateFindings(input: BatchUpdateFindingsCommandInput): Promise<BatchUpdateResult> {
    const output = await (await this.client()).batchUpdateFindings(input);
    return {
      unprocessed: (output.UnprocessedFindings ?? []).map((u) => ({
        id: u.FindingIdentifier?.Id ?? '',
        productArn: u.FindingIdentifier?.ProductArn ?? '',
        errorCode: u.ErrorCode ?? 'Unknown',
        errorMessage: u.ErrorMessage ?? '',
      })),
    };
  }

  async getFinding(ref: { id: string; productArn: string }): Promise<CurrentFinding | undefined> {
    const output = await (
      await this.client()
    ).getFindings({
      Filters: {
        Id: [{ Value: ref.id, Comparison: 'EQUALS' }],
        ProductArn: [{ Value: ref.productArn, Comparison: 'EQUALS' }],
      },
      MaxResults: 1,
    });
    // Matched again here: the filter is the contract, but a finding with another identity must never decide.
    const finding = (output.Findings ?? []).find((f) => f.Id === ref.id && f.ProductArn === ref.productArn);
    return finding === undefined ? undefined : currentFindingOf(finding);
  }

  async batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult> {
    const output = await (await this.client()).batchImportFindings({ Findings: findings });
    return {
      failed: (output.FailedFindings ?? []).map((f) => ({
        id: f.Id ?? '',
        errorCode: f.ErrorCode ?? 'Unknown',
        errorMessage: f.ErrorMessage ?? '',
      })),
    };
  }
}

/** One line of the outbox file. */
export interface OutboxEntry {
  at: string;
  operation: 'BatchUpdateFindings' | 'BatchImportFindings';
  input: unknown;
}

/** Appends every write to a JSONL file and reports it to `onWrite` (the CLI prints it). */
export class OutboxSecurityHubWriter implements SecurityHubWriter {
  readonly target: string;

  constructor(
    private readonly path: string,
    private readonly onWrite: (entry: OutboxEntry) => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.target = `outbox:${path}`;
  }

  private async append(entry: OutboxEntry): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(entry)}\n`, 'utf8');
    this.onWrite(entry);
  }

  async batchUpdateFindings(input: BatchUpdateFindingsCommandInput): Promise<BatchUpdateResult> {
    await this.append({ at: this.now().toISOString(), operation: 'BatchUpdateFindings', input });
    return { unprocessed: [] };
  }

  /** The outbox keeps no findings: every write-back is decided as for a finding that is still NEW. */
  getFinding(): Promise<CurrentFinding | undefined> {
    return Promise.resolve(undefined);
  }

  async batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult> {
    await this.append({
      at: this.now().toISOString(),
      operation: 'BatchImportFindings',
      input: { Findings: findings },
    });
    return { failed: [] };
  }
}
