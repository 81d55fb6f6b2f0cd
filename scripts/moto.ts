/**
 * The one place that provides the moto AWS emulator to tests, the sandbox, `cordon replay` and the benchmark.
 *
 * Resolution order:
 *  1. `MOTO_SERVER` environment variable (path to a moto_server executable);
 *  2. `moto_server` on PATH;
 *  3. a project-local virtual environment in `.venv-moto/` (git-ignored), created on first use with
 *     `python3 -m venv` and `pip install 'moto[server]'`, with pip's progress shown.
 * Where none of these works it throws {@link EmulatorUnavailableError} saying exactly what to install.
 * It never falls back to a fake.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CordonError } from '../functions/lib/errors.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const venvDir = join(projectRoot, '.venv-moto');
const venvMoto = join(venvDir, 'bin', 'moto_server');

/** moto cannot be found or installed on this machine. */
export class EmulatorUnavailableError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'EMULATOR_UNAVAILABLE', ...options });
  }
}

function onPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

function works(executable: string): boolean {
  return spawnSync(executable, ['--help'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * Path to a working moto_server, installing it into `.venv-moto/` when needed.
 * @param log where progress lines go (default stderr)
 */
export function ensureMoto(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const fromEnv = process.env['MOTO_SERVER'];
  if (fromEnv && works(fromEnv)) return fromEnv;
  const fromPath = onPath('moto_server');
  if (fromPath && works(fromPath)) return fromPath;
  if (existsSync(venvMoto) && works(venvMoto)) return venvMoto;

  const python = onPath('python3');
  const hint =
    "Install moto's server with `pip install 'moto[server]'` (Python 3.9+), or put a moto_server on PATH, " +
    'or set MOTO_SERVER=/path/to/moto_server.';
  if (!python)
    throw new EmulatorUnavailableError(`moto_server is not on PATH and python3 is missing. ${hint}`);

  log(`[moto] moto_server not found; creating a project-local virtual environment in ${venvDir}`);
  const venv = spawnSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  if (venv.status !== 0) {
    throw new EmulatorUnavailableError(
      `python3 -m venv failed (on Debian: apt-get install python3-venv). ${hint}`,
    );
  }
  log('[moto] installing moto[server] with pip (this takes a minute the first time)...');
  const pip = spawnSync(join(venvDir, 'bin', 'pip'), ['install', '--progress-bar', 'on', 'moto[server]'], {
    stdio: 'inherit',
  });
  if (pip.status !== 0 || !works(venvMoto)) {
    throw new EmulatorUnavailableError(`pip install 'moto[server]' failed (see pip's output above). ${hint}`);
  }
  log('[moto] installed');
  return venvMoto;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new CordonError('could not allocate a port'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number;
  /** Wipe all emulator state (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Start moto on a free loopback port and wait until it answers. */
export async function startMoto(
  options: { port?: number; log?: (line: string) => void } = {},
): Promise<MotoServer> {
  const executable = ensureMoto(options.log);
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new EmulatorUnavailableError(`moto_server exited with code ${child.exitCode}: ${stderr.trim()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmulatorUnavailableError(
        `moto_server did not answer on ${endpoint} within 30 s: ${stderr.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid ?? -1;
  return {
    endpoint,
    port,
    pid,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new CordonError(`moto reset failed: HTTP ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
