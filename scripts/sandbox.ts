/**
 * `npm start`: cordon on one laptop. Starts moto (installing it when missing), bootstraps a demo organisation,
 * serves the API and the web console on http://127.0.0.1:${PORT:-8080} with local sign-in, and replays the
 * sample findings. Ctrl-C stops everything it started.
 */
import { z } from 'zod';
import { errorMessage } from '../functions/lib/errors.js';
import { startSandbox } from './sandbox/app.js';

const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
});

async function main(): Promise<void> {
  const env = Env.safeParse(process.env);
  if (!env.success) {
    process.stderr.write(`npm start: PORT must be a TCP port number (1-65535)\n`);
    process.exitCode = 2;
    return;
  }
  const sandbox = await startSandbox({ port: env.data.PORT });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the sandbox...\n`);
    void sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`npm start: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const pending = (await sandbox.env.deps.store.list({ status: 'PENDING_APPROVAL', limit: 100 })).items
    .length;
  const users = sandbox.issuer.users.map(
    (u) => `    ${u.username.padEnd(7)} password ${u.password.padEnd(15)} ${u.role}`,
  );
  process.stdout.write(
    [
      '',
      '==> cordon sandbox is running (SANDBOX: local emulator, nothing touches AWS)',
      '',
      `  Console   ${sandbox.url}/`,
      `  API       ${sandbox.url}/isolations   (bearer tokens from the local issuer)`,
      `  Sign-in   ${sandbox.issuer.issuer}   (local OIDC issuer, JWKS at ${sandbox.issuer.jwksUri})`,
      `  Emulator  ${sandbox.env.config.endpoint ?? ''}`,
      `  Outbox    ${sandbox.env.outboxPath}   (Security Hub write-backs)`,
      '',
      '  Demo users:',
      ...users,
      '',
      '  Machine client (client-credentials grant, HTTP Basic; scopes cordon/read cordon/request; never approves):',
      ...sandbox.issuer.machineClients.map(
        (c) => `    ${c.clientId} secret ${c.clientSecret}   token URL ${sandbox.issuer.tokenUrl}`,
      ),
      '',
      `  ${pending} isolation(s) wait for approval: sign in as bob to approve them.`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
