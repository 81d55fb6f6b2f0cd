/**
 * `cordon evidence verify <isolation-id>` and `cordon evidence get <isolation-id> [--out DIR]`: read an isolation's
 * evidence back from the evidence bucket, recompute every artifact's SHA-256 and size, and compare them with the
 * manifest (and the manifest with the hash the record and the Security Hub note carry, when given). Reading needs
 * the forensics role in AWS (the bucket policy denies everyone else); against an emulator, any credentials.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { S3 } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../functions/lib/aws/client-config.js';
import { errorMessage } from '../../functions/lib/errors.js';
import { ManifestSchema, manifestKey, type Manifest } from '../../functions/lib/evidence/model.js';
import { sha256Hex } from '../../functions/lib/evidence/hash.js';
import { S3EvidenceReader } from '../../functions/lib/evidence/storage.js';
import { EXIT_NEGATIVE, EXIT_OK, guardedAsync, InputError, type CommandIo, type ExitCode } from '../kit.js';
import type { EvidenceOptions } from './evidence-command.js';

export type { EvidenceOptions } from './evidence-command.js';

const ISOLATION_ID = /^iso-[\w-]{1,80}$/;

async function s3Client(options: EvidenceOptions): Promise<S3> {
  const { S3 } = await import('@aws-sdk/client-s3');
  const config = awsClientConfig({
    region: options.region,
    maxAttempts: 3,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
  return new S3({
    ...config,
    ...(options.endpoint === undefined
      ? {}
      : // Emulators accept any credentials and name buckets by path.
        { forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
  });
}

interface Checked {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  /** Collected artifacts' bytes by name (absent: missing from the bucket). */
  artifacts: Map<string, Uint8Array>;
  /** One line per problem, naming the artifact. */
  problems: string[];
  lines: string[];
}

/**
 * Download and check an isolation's evidence.
 * @throws InputError for a malformed id, a missing manifest, or an S3 read that failed
 */
async function check(id: string, options: EvidenceOptions): Promise<Checked> {
  if (!ISOLATION_ID.test(id)) throw new InputError(`${id} is not an isolation id (iso-...)`);
  // The same read as the API's evidence check: an object's bytes, or undefined when there is no such key.
  const reader = new S3EvidenceReader(await s3Client(options), options.bucket);
  const key = manifestKey(id);
  let manifestBytes: Uint8Array | undefined;
  try {
    manifestBytes = await reader.get(key);
  } catch (error) {
    throw new InputError(`cannot read s3://${options.bucket}/${key}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (manifestBytes === undefined) {
    throw new InputError(`no evidence for ${id}: s3://${options.bucket}/${key} does not exist`);
  }
  const problems: string[] = [];
  const lines: string[] = [];
  const manifestSha = sha256Hex(manifestBytes);
  lines.push(`manifest s3://${options.bucket}/${key} SHA-256 ${manifestSha}`);
  const expected = options.manifestSha256?.toLowerCase();
  if (expected !== undefined && expected !== manifestSha) {
    problems.push(`manifest.json: SHA-256 ${manifestSha}, expected ${expected} (record / Security Hub note)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new ManifestInvalid(`manifest.json is not JSON: ${errorMessage(error)}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ManifestInvalid(
      `manifest.json is not a valid cordon manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const manifest = parsed.data;
  if (manifest.isolationId !== id)
    problems.push(`manifest.json: it is the manifest of ${manifest.isolationId}`);
  const artifacts = new Map<string, Uint8Array>();
  for (const artifact of manifest.artifacts) {
    if (artifact.status === 'failed') {
      lines.push(
        `  failed   ${artifact.name}: not collected (${artifact.error.code}: ${artifact.error.message})`,
      );
      continue;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await reader.get(artifact.key);
    } catch (error) {
      throw new InputError(`cannot read s3://${options.bucket}/${artifact.key}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (bytes === undefined) {
      problems.push(`${artifact.name}: missing from the bucket (${artifact.key})`);
      continue;
    }
    artifacts.set(artifact.name, bytes);
    const sha = sha256Hex(bytes);
    if (sha !== artifact.sha256 || bytes.byteLength !== artifact.bytes) {
      problems.push(
        `${artifact.name}: SHA-256 ${sha} (${String(bytes.byteLength)} bytes), manifest says ${artifact.sha256} (${String(artifact.bytes)} bytes)`,
      );
    } else {
      lines.push(`  ok       ${artifact.name} ${sha}`);
    }
  }
  return { manifest, manifestBytes, artifacts, problems, lines };
}

/** The manifest exists but cannot be trusted: a negative answer (exit 1), not bad input. */
class ManifestInvalid extends InputError {}

function report(io: CommandIo, checked: Checked): ExitCode {
  for (const line of checked.lines) io.out(line);
  for (const problem of checked.problems) io.out(`  MISMATCH ${problem}`);
  const collected = checked.manifest.artifacts.filter((a) => a.status === 'collected').length;
  if (checked.problems.length > 0) {
    io.err(
      `cordon: evidence of ${checked.manifest.isolationId} does NOT match its manifest (${String(checked.problems.length)} problem(s))`,
    );
    return EXIT_NEGATIVE;
  }
  io.out(`verified: ${String(collected)} artifact(s) match the manifest`);
  return EXIT_OK;
}

async function negativeOnInvalid(io: CommandIo, body: () => Promise<ExitCode>): Promise<ExitCode> {
  return guardedAsync(io, async () => {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof ManifestInvalid)) throw error;
      io.err(`cordon: ${error.message}`);
      return EXIT_NEGATIVE;
    }
  });
}

/** `cordon evidence verify`: 0 when everything matches, 1 on any mismatch, 2 when it cannot check. */
export function runEvidenceVerify(id: string, options: EvidenceOptions, io: CommandIo): Promise<ExitCode> {
  return negativeOnInvalid(io, async () => report(io, await check(id, options)));
}

/** `cordon evidence get`: writes the manifest and the artifacts found, then answers like verify. */
export function runEvidenceGet(id: string, options: EvidenceOptions, io: CommandIo): Promise<ExitCode> {
  return negativeOnInvalid(io, async () => {
    const checked = await check(id, options);
    const out = resolve(options.out ?? id);
    const write = async (name: string, bytes: Uint8Array): Promise<void> => {
      const file = resolve(out, name);
      // Names come from the manifest: never write outside the output directory.
      if (!file.startsWith(out + sep)) throw new InputError(`refusing to write ${name} outside ${out}`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
    };
    try {
      await write('manifest.json', checked.manifestBytes);
      for (const [name, bytes] of checked.artifacts) await write(name, bytes);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`cannot write into ${out}: ${errorMessage(error)}`, { cause: error });
    }
    io.out(`wrote ${String(checked.artifacts.size + 1)} file(s) to ${join(out)}`);
    return report(io, checked);
  });
}
