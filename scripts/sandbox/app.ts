/**
 * The local sandbox behind `npm start`, as a function the browser test reuses: moto, the pipeline over it,
 * the demo organisation, the local OIDC issuer, the API and console functions' handlers on one loopback origin,
 * and the replay of the sample findings.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance } from '@aws-sdk/client-ec2';
import { createAuthenticator } from '../../functions/lib/api/auth.js';
import type { ApiConfig } from '../../functions/lib/api/config.js';
import { createApiHandler, lazyInstanceFinder } from '../../functions/lib/api/handler.js';
import { pipelineApiService } from '../../functions/lib/api/service.js';
import { createConsoleHandler, isConsoleRoute } from '../../functions/lib/console/handler.js';
import { customActionArn } from '../../functions/lib/config.js';
import { CordonError, errorMessage } from '../../functions/lib/errors.js';
import { startMoto, type MotoServer } from '../moto.js';
import { createDemoOrganisation, describeInstance, type DemoOrganisation } from './demo-org.js';
import { dispatchEvent, type OutcomeRow } from './dispatch.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { EMULATOR_CREDENTIALS } from '../../harness/pipeline.js';
import {
  createSandboxEnvironment,
  SANDBOX_LOOKUP_ROLE,
  SANDBOX_MEMBER_ACCOUNT,
  type SandboxEnvironment,
} from './environment.js';
import { sandboxSamples, type SampleEvent } from './findings.js';
import { startLocalApi, type EventHandler, type LocalApiServer } from './http-adapter.js';
import { loopbackJwksCache } from './jwks.js';
import { SANDBOX_MACHINE_CLIENT, startLocalIssuer, type LocalIssuer } from './oidc.js';
import { sandboxRoutes } from './routes.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SandboxOptions {
  /** Port for the API and console on 127.0.0.1 (0: any free port). */
  port: number;
  /** Use this emulator instead of starting one (tests pass theirs). */
  motoEndpoint?: string;
  /** Replay `test/events` at start (default true). */
  replay?: boolean;
  /** The policy instead of the bundled one (tests that opt in to a rule the default policy leaves commented out). */
  policy?: CompiledPolicy;
  /** Where the Security Hub outbox goes (default `.cordon/sandbox/securityhub-outbox.jsonl`, emptied at start). */
  outboxPath?: string;
  log?: (line: string) => void;
}

export interface Sandbox {
  url: string;
  issuer: LocalIssuer;
  org: DemoOrganisation;
  env: SandboxEnvironment;
  moto?: MotoServer;
  replayRows: OutcomeRow[];
  /** Stop everything this sandbox started (the API, the issuer and, if it started it, moto by its pid). */
  stop(): Promise<void>;
}

function table(rows: OutcomeRow[]): string {
  const headers: OutcomeRow = {
    finding: 'finding',
    rule: 'rule',
    mode: 'mode',
    outcome: 'outcome',
    refused: false,
  };
  const all = [headers, ...rows];
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const widths = (['finding', 'rule', 'mode'] as const).map((k) =>
    Math.min(48, Math.max(...all.map((r) => r[k].length))),
  );
  const line = (r: OutcomeRow) =>
    [
      cut(r.finding, widths[0] ?? 10).padEnd(widths[0] ?? 10),
      cut(r.rule, widths[1] ?? 10).padEnd(widths[1] ?? 10),
      cut(r.mode, widths[2] ?? 10).padEnd(widths[2] ?? 10),
      cut(r.outcome, 90),
    ].join('  ');
  const rule = '-'.repeat(Math.min(140, (widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + 6 + 40));
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Start the sandbox. On failure it stops what it had started before rethrowing. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const cleanups: (() => Promise<void>)[] = [];
  /** Run every cleanup (one failing does not skip the others), then report the ones that failed. */
  const stop = async () => {
    const failures: string[] = [];
    for (const c of cleanups.reverse()) {
      await c().catch((error: unknown) => failures.push(errorMessage(error)));
    }
    cleanups.length = 0;
    if (failures.length > 0) {
      throw new CordonError(`the sandbox did not stop cleanly: ${failures.join('; ')}`);
    }
  };
  try {
    let moto: MotoServer | undefined;
    let endpoint = options.motoEndpoint;
    if (!endpoint) {
      log('[1/6] starting the AWS emulator (moto)...');
      moto = await startMoto({ log });
      const started = moto;
      cleanups.push(async () => {
        await started.stop();
        log(`stopped moto (pid ${started.pid})`);
      });
      endpoint = moto.endpoint;
      log(`      moto on ${endpoint} (pid ${moto.pid})`);
    }
    const outboxPath =
      options.outboxPath ?? join(projectRoot, '.cordon', 'sandbox', 'securityhub-outbox.jsonl');
    mkdirSync(dirname(outboxPath), { recursive: true });
    rmSync(outboxPath, { force: true });

    log('[2/6] creating the table, the topic and the member role...');
    const env = await createSandboxEnvironment({
      endpoint,
      outboxPath,
      ...(options.policy ? { policy: options.policy } : {}),
    });
    const region = env.config.region;
    const memberClients = () => env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, region, 'sandbox-bootstrap');

    log(`[3/6] creating the demo organisation in member account ${SANDBOX_MEMBER_ACCOUNT} (${region})...`);
    const org = await createDemoOrganisation(await memberClients(), SANDBOX_MEMBER_ACCOUNT, region);
    for (const i of Object.values(org.instances))
      log(`      instance ${i.name.padEnd(8)} ${i.instanceId}  ${i.description}`);
    for (const u of org.users) {
      log(
        `      IAM user ${u.userName.padEnd(12)} key ${u.accessKeyId}${u.consolePassword ? ', console password' : ''}`,
      );
    }
    log(`      IAM role ${org.role.roleName} with its instance profile`);

    log('[4/6] starting the local sign-in (OIDC issuer on loopback)...');
    const issuer = await startLocalIssuer({ machineClients: [SANDBOX_MACHINE_CLIENT] });
    cleanups.push(() => issuer.stop());
    const config: ApiConfig = {
      auth: {
        kind: 'oidc',
        issuer: issuer.issuer,
        audience: issuer.clientId,
        jwksUri: issuer.jwksUri,
        tokenUse: 'access',
      },
      groups: {
        claim: 'cognito:groups',
        requesters: 'cordon-requesters',
        approvers: 'cordon-approvers',
        viewers: 'cordon-viewers',
      },
      consoleAuth: {
        authorizeUrl: issuer.authorizeUrl,
        tokenUrl: issuer.tokenUrl,
        clientId: issuer.clientId,
        scopes: 'openid profile',
      },
      // The demo SOAR client: client-credentials tokens from the local issuer, read and request only.
      machineClients: [
        {
          clientId: SANDBOX_MACHINE_CLIENT.clientId,
          name: 'soar',
          scopes: [...SANDBOX_MACHINE_CLIENT.scopes],
        },
      ],
      region,
      sandbox: true,
      instanceLookupRole: SANDBOX_LOOKUP_ROLE,
    };
    const logger = (name: string) => ({
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string, ...extra: unknown[]) =>
        log(`[${name}] ${message} ${JSON.stringify(extra[0] ?? {})}`),
      error: (message: string, ...extra: unknown[]) => {
        const details = (extra[0] ?? {}) as { error?: unknown; requestId?: string };
        log(`[${name}] ${message}: ${errorMessage(details.error)} (request ${details.requestId ?? '?'})`);
      },
    });
    // The sample events rewritten to the demo organisation: replayed below and offered in the playground's picker,
    // so both see exactly the same events (built on first use: they need the live instances).
    let built: SampleEvent[] | undefined;
    const samples = async (): Promise<SampleEvent[]> => {
      if (built !== undefined) return built;
      const live: Record<'web' | 'worker' | 'bastion', Instance> = {
        web: await describeInstance(await memberClients(), org.instances.web.instanceId),
        worker: await describeInstance(await memberClients(), org.instances.worker.instanceId),
        bastion: await describeInstance(await memberClients(), org.instances.bastion.instanceId),
      };
      built = sandboxSamples({
        dir: join(projectRoot, 'test', 'events'),
        org,
        live,
        securityAccount: env.config.securityAccountId,
        approveActionArn: customActionArn(env.config, env.deps.policy.settings.customActions.approve),
      });
      return built;
    };
    const apiHandler = createApiHandler({
      config,
      // As the Lambda builds it (machine clients included), with a JWKS cache that fetches over loopback HTTP.
      authenticator: createAuthenticator(config, loopbackJwksCache()),
      service: pipelineApiService(env.deps),
      logger: logger('api'),
      // The request form's Name lookup, through the demo account's lookup role, as deployed.
      instances: lazyInstanceFinder({
        roleName: SANDBOX_LOOKUP_ROLE,
        endpoint,
        securityCredentials: EMULATOR_CREDENTIALS,
        maxAttempts: 2,
      }),
      extraRoutes: sandboxRoutes({ env, org, memberClients, samples, onSimulated: log }),
    });
    const consoleHandler = createConsoleHandler({
      config: { tokenUrl: issuer.tokenUrl },
      logger: logger('console'),
    });
    // One origin, two functions, routed as API Gateway routes them (terraform/modules/cordon/api.tf).
    const gateway: EventHandler = (event) =>
      isConsoleRoute(event.requestContext.http.method, event.rawPath)
        ? consoleHandler(event)
        : apiHandler(event);

    log('[5/6] serving the API and the console...');
    const api: LocalApiServer = await startLocalApi(gateway, options.port);
    cleanups.push(() => api.stop());
    issuer.allowRedirectUri(`${api.url}/`);

    const replayRows: OutcomeRow[] = [];
    if (options.replay !== false) {
      log('[6/6] replaying the sample findings in test/events through the rules and the pipeline...');
      const replayed = await samples();
      log(
        '      each sample is rewritten to the demo organisation first; the playground offers the same events',
      );
      for (const [n, sample] of replayed.entries()) {
        const result = await dispatchEvent(env, sample.event);
        log(`      (${n + 1}/${replayed.length}) ${sample.file} rewritten: ${sample.rewrites.join('; ')}`);
        for (const row of result.rows) {
          log(`          ${row.finding} → ${row.rule} [${row.mode}] ${row.outcome}`);
        }
        replayRows.push(...result.rows);
      }
      log('');
      log(table(replayRows));
    } else {
      log('[6/6] replay skipped');
    }
    return { url: api.url, issuer, org, env, ...(moto ? { moto } : {}), replayRows, stop };
  } catch (error) {
    // The start-up error is the one to report; a cleanup failure on top of it is only logged.
    await stop().catch((stopError: unknown) => log(errorMessage(stopError)));
    throw error;
  }
}
