/**
 * Security properties, across every path that can start a containment: triage of a finding, the custom-action
 * approval of a finding never parked, a request through the API's service, and the worker itself on a record
 * that reached the store without the front-door checks (defence in depth). No path contains a protected,
 * exempt, root or cordon-owned resource. A replayed or forged approval does nothing. API bodies over the size
 * limit are refused, whatever their encoding.
 */
import fc from 'fast-check';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PayloadTooLargeError } from '../../functions/lib/api/problem.js';
import { readJsonBody } from '../../functions/lib/api/http.js';
import { MAX_BODY_BYTES } from '../../functions/lib/api/validation.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { requestIsolation } from '../../functions/lib/pipeline/service.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { newIsolationId } from '../../functions/lib/store/isolations.js';
import { EC2_TYPE, ROLE_TYPE, guardDutyEvent, importedTwin, type Subject } from '../../bench/lib/scenario.js';
import { ACCOUNT, REGION, customActionEvent, launchInstance, unique } from '../pipeline/support.js';
import { useMoto } from '../support/moto.js';
import { MEMBER_SERVICES, resilienceWorld, type ResilienceWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const requester = { type: 'user' as const, id: 'sub-requester', name: 'requester' };

/** Automatic rules for instances and roles, approval for Trojans, and the default policy's guard settings. */
const POLICY = loadPolicyFromStrings([
  {
    file: 'security.yaml',
    text: stringify({
      version: 1,
      settings: {
        exemptionTag: { key: 'cordon:exempt', value: 'true' },
        protected: ['arn:aws:iam::*:role/OrganizationAccountAccessRole', 'arn:aws:iam::*:role/cordon-*'],
        limits: { autoPerAccountPerHour: 1000, autoGlobalPerHour: 1000 },
      },
      rules: [
        {
          name: 'trojan-approval',
          match: { type: 'Trojan:EC2/*' },
          action: 'isolate-ec2-instance',
          mode: 'approval',
        },
        {
          name: 'ec2-auto',
          match: { type: 'Backdoor:EC2/*', resourceType: 'ec2-instance' },
          action: 'isolate-ec2-instance',
          mode: 'auto',
        },
        {
          name: 'role-auto',
          match: { type: ROLE_TYPE, resourceType: 'iam-role' },
          action: 'revoke-role-sessions',
          mode: 'auto',
        },
      ],
    }),
  },
]);

function mutations(world: ResilienceWorld): string[] {
  return world.recorder.commands
    .filter((c) => MEMBER_SERVICES.has(c.service) && !/^(Get|List|Describe)/.test(c.command))
    .map((c) => `${c.service}:${c.command}`);
}

interface Guarded {
  label: string;
  /** The resource in moto, the event about it, and the resource as a finding would name it. */
  create(
    world: ResilienceWorld,
  ): Promise<{ event: Record<string, unknown>; subject: Subject; resource: Resource }>;
}

async function role(world: ResilienceWorld, roleName: string): Promise<void> {
  await world.iam
    .send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    )
    .catch((error: unknown) => {
      if (!(error instanceof Error) || error.name !== 'EntityAlreadyExistsException') throw error;
    });
}

function roleCase(label: string, roleName: string): Guarded {
  return {
    label,
    async create(world) {
      await role(world, roleName);
      const subject: Subject = {
        kind: 'access-key',
        userName: roleName,
        accessKeyId: 'ASIAGUARDED000000001',
        userType: 'AssumedRole',
      };
      return {
        event: guardDutyEvent(subject, { type: ROLE_TYPE }),
        subject,
        resource: {
          type: 'iam-role',
          id: roleName,
          roleName,
          accountId: ACCOUNT,
          region: REGION,
          tags: {},
          arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        },
      };
    },
  };
}

const GUARDED: Guarded[] = [
  {
    label: 'an instance with the exemption tag (only in AWS, not in the finding)',
    async create(world) {
      const { instanceId } = await launchInstance(world.ec2, { tags: { 'cordon:exempt': 'true' } });
      const subject: Subject = { kind: 'instance', instanceId };
      return {
        event: guardDutyEvent(subject, { type: EC2_TYPE }),
        subject,
        resource: {
          type: 'ec2-instance',
          id: instanceId,
          accountId: ACCOUNT,
          region: REGION,
          tags: {},
          networkInterfaces: [],
          securityGroupIds: [],
        },
      };
    },
  },
  roleCase('a protected role (OrganizationAccountAccessRole)', 'OrganizationAccountAccessRole'),
  roleCase("cordon's member role", 'cordon-member'),
  roleCase('a role with the cordon prefix', 'cordon-isolate-function'),
  {
    label: 'the root user',
    async create() {
      const subject: Subject = {
        kind: 'access-key',
        userName: 'root',
        accessKeyId: 'ASIAROOT000000000001',
        userType: 'AssumedRole',
      };
      const event = guardDutyEvent(subject, { type: ROLE_TYPE });
      const resource = (event['detail'] as { resource: { accessKeyDetails: Record<string, unknown> } })
        .resource;
      resource.accessKeyDetails['userType'] = 'Root';
      return {
        event,
        subject,
        resource: {
          type: 'aws-account',
          id: ACCOUNT,
          root: true,
          accountId: ACCOUNT,
          region: REGION,
          tags: {},
          arn: `arn:aws:iam::${ACCOUNT}:root`,
        },
      };
    },
  },
];

describe('Resilience: security properties', () => {
  let world: ResilienceWorld;

  beforeAll(async () => {
    world = await resilienceWorld(moto);
    world.deps.policy = POLICY;
  });

  describe.each(GUARDED)('never contains $label', (guarded) => {
    it('through triage', async () => {
      // Prepare
      const { event } = await guarded.create(world);
      world.recorder.clear();

      // Act
      const result = await triageEvent(world.deps, event);
      const runs = await world.worker.drain();

      // Assess
      expect(mutations(world)).toEqual([]);
      expect(runs.filter((r) => r.outcome === 'isolated')).toEqual([]);
      expect(
        result.findings
          .flatMap((f) => f.actions)
          .every((a) => a.refused !== undefined || a.status !== 'ISOLATED'),
      ).toBe(true);
    });

    it('through a custom-action approval of a finding that was never parked', async () => {
      // Prepare
      const { event, subject } = await guarded.create(world);
      const finding =
        (importedTwin(event, subject)['detail'] as { findings: Record<string, unknown>[] }).findings[0] ?? {};
      world.recorder.clear();

      // Act
      await handleCustomAction(world.deps, customActionEvent(finding));
      const runs = await world.worker.drain();

      // Assess
      expect(mutations(world)).toEqual([]);
      expect(runs.filter((r) => r.outcome === 'isolated')).toEqual([]);
    });

    it('through an emergency request of an approver', async () => {
      // Prepare
      const { resource } = await guarded.create(world);
      world.recorder.clear();

      // Act
      const request = await requestIsolation(world.deps, {
        resource,
        reason: 'security property',
        requester,
        immediate: true,
      }).catch((error: unknown) => error);
      const runs = await world.worker.drain();

      // Assess: refused at the door, or (a tag only AWS knows) accepted and then refused live by the worker
      expect(mutations(world)).toEqual([]);
      expect(runs.filter((r) => r.outcome === 'isolated')).toEqual([]);
      if (request instanceof Error) expect(request.name).toMatch(/Refused|Validation/);
      else expect(runs.map((r) => r.record?.status)).toEqual(['SKIPPED']);
    });

    it('through the worker, for a record that skipped the front door', async () => {
      // Prepare: an approved record written straight into the table
      const { resource } = await guarded.create(world);
      // No action accepts an account; a forged record for root names the IAM user action.
      const action =
        resource.type === 'ec2-instance'
          ? 'isolate-ec2-instance'
          : resource.type === 'aws-account'
            ? 'isolate-iam-user'
            : 'revoke-role-sessions';
      const now = world.deps.clock();
      const created = await world.store.create(
        {
          resource,
          action,
          params: {},
          mode: 'auto',
          status: 'APPROVED',
          requester,
          receivedAt: now.toISOString(),
          reason: 'bypass',
        } as unknown as Parameters<typeof world.store.create>[0],
        { id: newIsolationId(now), now },
      );
      world.recorder.clear();

      // Act
      const result = await runWorker(world.deps, { kind: 'apply', id: created.record.id });

      // Assess: the action refuses, live, before any change
      expect(mutations(world)).toEqual([]);
      expect(result.outcome).not.toBe('isolated');
      // Refused live (SKIPPED), or, for an account that no action accepts, FAILED with the reason.
      expect(['SKIPPED', 'FAILED']).toContain(result.record?.status);
      expect(result.record?.failure?.message).toEqual(expect.any(String));
    });
  });

  describe('approvals', () => {
    it('a replayed approval does nothing once the request was approved', async () => {
      // Prepare: a parked request, approved once
      const { instanceId } = await launchInstance(world.ec2);
      const subject: Subject = { kind: 'instance', instanceId };
      const gd = guardDutyEvent(subject, { type: 'Trojan:EC2/DropPoint' });
      await triageEvent(world.deps, gd);
      const finding =
        (importedTwin(gd, subject)['detail'] as { findings: Record<string, unknown>[] }).findings[0] ?? {};
      const approval = customActionEvent(finding);
      await handleCustomAction(world.deps, approval);
      const first = await world.worker.drain();
      const isolated = first[0]?.record;
      world.recorder.clear();

      // Act: the same event again, and a copy with a new event id
      await handleCustomAction(world.deps, approval);
      await handleCustomAction(world.deps, { ...approval, id: unique('replay') });
      const replays = await world.worker.drain();

      // Assess
      expect(first.map((r) => r.outcome)).toEqual(['isolated']);
      expect(replays.filter((r) => r.outcome === 'isolated')).toEqual([]);
      expect(mutations(world)).toEqual([]);
      const after = await world.store.get(isolated?.id ?? '');
      expect(after?.status).toBe('ISOLATED');
      expect(after?.audit).toEqual(isolated?.audit);
    });

    it.each([
      ['from another account', { account: '210987654321' }],
      [
        'naming another account action',
        { actionArn: `arn:aws:securityhub:${REGION}:210987654321:action/custom/CordonApprove` },
      ],
      [
        'naming an unknown custom action',
        { actionArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/CordonApprov3` },
      ],
    ])('a forged approval %s does nothing', async (_name, forgery) => {
      // Prepare: a parked request
      const { instanceId } = await launchInstance(world.ec2);
      const subject: Subject = { kind: 'instance', instanceId };
      const gd = guardDutyEvent(subject, { type: 'Trojan:EC2/DropPoint' });
      const parked = await triageEvent(world.deps, gd);
      const id = parked.findings[0]?.actions[0]?.isolationId ?? '';
      const finding =
        (importedTwin(gd, subject)['detail'] as { findings: Record<string, unknown>[] }).findings[0] ?? {};
      world.recorder.clear();

      // Act
      const result = await handleCustomAction(world.deps, customActionEvent(finding, forgery));
      const runs = await world.worker.drain();

      // Assess
      expect(result.refused).toEqual(expect.any(String));
      expect(runs).toEqual([]);
      expect(mutations(world)).toEqual([]);
      expect((await world.store.get(id))?.status).toBe('PENDING_APPROVAL');
    });
  });

  describe('API body size', () => {
    const event = (body: string, isBase64Encoded: boolean, contentType: string): APIGatewayProxyEventV2 =>
      ({
        body,
        isBase64Encoded,
        headers: { 'content-type': contentType },
      }) as unknown as APIGatewayProxyEventV2;

    it('refuses every body over the limit, counted in bytes, whatever the encoding or content type', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4096 }),
          fc.constantFrom('a', 'é', '\u{1f600}', '"'),
          fc.boolean(),
          fc.constantFrom('application/json', 'text/plain', 'application/merge-patch+json', ''),
          (extra, unit, base64, contentType) => {
            const text = unit.repeat(Math.ceil((MAX_BODY_BYTES + extra) / Buffer.byteLength(unit)));
            const body = base64 ? Buffer.from(text).toString('base64') : text;
            expect(() => readJsonBody(event(body, base64, contentType))).toThrow(PayloadTooLargeError);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('never refuses a body within the limit for its size', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: MAX_BODY_BYTES - 16 }), fc.boolean(), (size, base64) => {
          const text = JSON.stringify({ reason: 'x'.repeat(size) }).slice(0, MAX_BODY_BYTES);
          const body = base64 ? Buffer.from(text).toString('base64') : text;
          try {
            readJsonBody(event(body, base64, 'application/json'));
          } catch (error) {
            expect(error).not.toBeInstanceOf(PayloadTooLargeError);
          }
        }),
        { numRuns: 100 },
      );
    });
  });
});
