/**
 * Where cordon's Security Hub writes go. In AWS: Security Hub itself. Against a local emulator (which has no
 * BatchUpdateFindings): an outbox file, `.cordon/securityhub-outbox.jsonl`, one JSON line per call, so the
 * sandbox and `cordon replay` show exactly what would have been sent.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type BatchUpdateFindingsCommandInput,
} from '@aws-sdk/client-securityhub';

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
}

/** Writes to Security Hub through the SDK client (its adaptive retry handles throttling). */
export class AwsSecurityHubWriter implements SecurityHubWriter {
  readonly target = 'securityhub';

  constructor(private readonly client: SecurityHubClient) {}

  async batchUpdateFindings(input: BatchUpdateFindingsCommandInput): Promise<BatchUpdateResult> {
    const output = await this.client.send(new BatchUpdateFindingsCommand(input));
    return {
      unprocessed: (output.UnprocessedFindings ?? []).map((u) => ({
        id: u.FindingIdentifier?.Id ?? '',
        productArn: u.FindingIdentifier?.ProductArn ?? '',
        errorCode: u.ErrorCode ?? 'Unknown',
        errorMessage: u.ErrorMessage ?? '',
      })),
    };
  }

  async batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult> {
    const output = await this.client.send(new BatchImportFindingsCommand({ Findings: findings }));
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

  async batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult> {
    await this.append({
      at: this.now().toISOString(),
      operation: 'BatchImportFindings',
      input: { Findings: findings },
    });
    return { failed: [] };
  }
}
