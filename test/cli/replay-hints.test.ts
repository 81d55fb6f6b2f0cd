/**
 * `cordon replay` when it cannot reach AWS at all: one line saying what to do, exit 2, never the SDK's raw error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const EVENT = 'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json';

async function cordon(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/cordon.mjs', ...args], { cwd: process.cwd(), env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The lines cordon itself wrote (the AWS SDK's Node version warning is not cordon's). */
function cordonLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('cordon:'));
}

describe('CLI: cordon replay without AWS access', () => {
  it('prints a one-line hint when there are no AWS credentials', async () => {
    // Prepare: an environment with no credentials anywhere (no variables, an empty home, no metadata service)
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'cordon-nocreds-')),
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    // Act
    const result = await cordon(
      ['replay', EVENT, '--topic-arn', 'arn:aws:sns:us-east-1:123456789012:t', '--region', 'us-east-1'],
      env,
    );

    // Assess
    expect(result.code).toBe(2);
    expect(cordonLines(result.stderr)).toEqual([
      expect.stringMatching(/^cordon: no AWS credentials: set AWS_PROFILE .* or pass --endpoint /),
    ]);
    expect(result.stderr).not.toMatch(/CredentialsProviderError|at .*node_modules/);
  });

  it('prints a one-line hint when nothing answers at --endpoint', async () => {
    // Act: port 1 on loopback refuses the connection
    const result = await cordon(['replay', EVENT, '--endpoint', 'http://127.0.0.1:1']);

    // Assess
    expect(result.code).toBe(2);
    expect(cordonLines(result.stderr)).toEqual([
      'cordon: nothing answers at http://127.0.0.1:1: start the emulator first (e.g. moto_server -p 5000), or leave out --endpoint to replay against AWS',
    ]);
  });
});
