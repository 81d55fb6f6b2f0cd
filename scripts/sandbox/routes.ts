/**
 * Sandbox-only API routes. They exist only in the local adapter's handler (`npm start` and the tests); the
 * Lambda's handler is built without them, so they cannot be reached in AWS.
 *   GET  /sandbox/catalogue  finding types and demo resources for the simulate panel
 *   POST /sandbox/simulate   fire a GuardDuty finding at a demo resource, through rules, triage and the worker
 *   GET  /sandbox/examples   the sample events of test/events as the replay sends them, with what was rewritten
 *   GET  /sandbox/outbox     the Security Hub write-backs the emulator cannot take
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { MemberClients } from '../../functions/lib/actions/contract.js';
import { json } from '../../functions/lib/api/http.js';
import type { Route } from '../../functions/lib/api/handler.js';
import { parseOrThrow } from '../../functions/lib/api/validation.js';
import { ValidationError } from '../../functions/lib/errors.js';
import type { DemoOrganisation } from './demo-org.js';
import type { SampleEvent } from './findings.js';
import { describeInstance } from './demo-org.js';
import { dispatchEvent } from './dispatch.js';
import type { SandboxEnvironment } from './environment.js';
import {
  guardDutyEvent,
  SIMULATED_TYPES,
  simulatedTypeLabel,
  type SimTarget,
  type TargetKind,
} from './findings.js';

interface CatalogueResource {
  id: string;
  label: string;
  kind: TargetKind;
}

function catalogueResources(org: DemoOrganisation): CatalogueResource[] {
  return [
    ...Object.values(org.instances).map((i) => ({
      id: `instance:${i.instanceId}`,
      label: `instance ${i.name} (${i.instanceId}): ${i.description}`,
      kind: 'instance' as const,
    })),
    ...org.users.map((u) => ({
      id: `access-key:${u.userName}:${u.accessKeyId}`,
      label: `access key ${u.accessKeyId} of IAM user ${u.userName}`,
      kind: 'access-key' as const,
    })),
    {
      id: `role:${org.role.roleName}`,
      label: `IAM role ${org.role.roleName} (instance profile)`,
      kind: 'role' as const,
    },
  ];
}

const SimulateBody = z.strictObject({
  findingType: z.string().regex(/^\d{1,3}$/, 'must be a finding type from the catalogue'),
  resource: z.string().min(1).max(256),
});

/** Build the sandbox routes over the environment and the demo organisation. */
export function sandboxRoutes(options: {
  env: SandboxEnvironment;
  org: DemoOrganisation;
  memberClients: () => Promise<MemberClients>;
  /** The sample events of test/events as the start-up replay sends them (rewritten to the demo organisation). */
  samples: () => Promise<SampleEvent[]>;
  /** Progress output for fired findings (the sandbox prints one line each). */
  onSimulated?: (line: string) => void;
}): Route[] {
  const { env, org } = options;
  const readers = ['viewer', 'requester', 'approver'] as const;
  return [
    {
      method: 'GET',
      path: '/sandbox/catalogue',
      access: readers,
      handle: async () =>
        json(200, {
          findingTypes: SIMULATED_TYPES.map((t, i) => ({
            id: String(i),
            label: simulatedTypeLabel(t),
            target: t.target,
          })),
          resources: catalogueResources(org),
        }),
    },
    {
      method: 'POST',
      path: '/sandbox/simulate',
      access: ['requester', 'approver'],
      handle: async (ctx) => {
        const body = parseOrThrow(SimulateBody, ctx.body ?? {});
        const simulated = SIMULATED_TYPES[Number(body.findingType)];
        const resource = catalogueResources(org).find((r) => r.id === body.resource);
        if (!simulated)
          throw new ValidationError('unknown finding type', ['findingType: not in the catalogue']);
        if (!resource)
          throw new ValidationError('unknown sandbox resource', ['resource: not in the catalogue']);
        const [kind, a = '', b = ''] = resource.id.split(':');
        let target: SimTarget;
        if (kind === 'instance')
          target = { kind: 'instance', instance: await describeInstance(await options.memberClients(), a) };
        else if (kind === 'access-key') target = { kind: 'access-key', userName: a, accessKeyId: b };
        else target = { kind: 'role', roleName: a };
        const event = guardDutyEvent({
          simulated,
          target,
          memberAccount: org.accountId,
          securityAccount: env.config.securityAccountId,
          region: env.config.region,
        });
        const result = await dispatchEvent(env, event);
        const summary = result.rows
          .map((r) => `${r.finding} → rule ${r.rule} (${r.mode}): ${r.outcome}`)
          .join('\n');
        options.onSimulated?.(`[simulate] ${ctx.principal?.username ?? '?'}: ${summary}`);
        return json(200, {
          summary,
          refused: result.rows.some((r) => r.refused),
          rows: result.rows,
          reached: result.reached,
          isolations: result.isolations,
        });
      },
    },
    {
      method: 'GET',
      path: '/sandbox/examples',
      access: readers,
      handle: async () =>
        json(200, {
          examples: (await options.samples()).map((sample) => ({
            file: sample.file,
            rewrites: sample.rewrites,
            event: sample.event,
          })),
        }),
    },
    {
      method: 'GET',
      path: '/sandbox/outbox',
      access: readers,
      handle: async () => {
        let text = '';
        try {
          text = await readFile(env.outboxPath, 'utf8');
        } catch (error) {
          if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
        }
        const entries = text
          .split('\n')
          .filter((line) => line.trim().length > 0)
          .map((line) => JSON.parse(line) as unknown)
          .reverse()
          .slice(0, 100);
        return json(200, { entries });
      },
    },
  ];
}
