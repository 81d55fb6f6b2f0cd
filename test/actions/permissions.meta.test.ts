/**
 * Meta-test: every registered action declares exactly the IAM permissions its code uses.
 *
 * Each action's apply and release run against moto with every optional parameter on, through SDK
 * middleware that records every command sent. A command whose IAM action (`<prefix>:<Command>`) is not
 * declared fails the test (the member role would deny it in production); so does a declared permission that
 * no command used (least privilege: the Terraform member role is generated from these declarations).
 */
import { describe, expect, it } from 'vitest';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { ACTION_NAMES, ACTIONS } from '../../functions/lib/actions/registry.js';
import type { ActionContext, ActionDefinition } from '../../functions/lib/actions/contract.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { useMoto } from '../support/moto.js';
import { motoActionContext } from './support/action-context.js';
import type { FaultInjector } from '../aws/support/faults.js';
import {
  accessKeyResource,
  latestCredentialTime,
  roleResource,
  seedAttackerCredentials,
  seedRole,
  seedUser,
  userResource,
} from './support/iam-state.js';
import {
  createAutoScalingGroup,
  createClassicLoadBalancer,
  createIpTargetGroup,
  createNetwork,
  createProfile,
  createTargetGroup,
  instanceResource,
  launchInstance,
  readCordonGroups,
  readInstance,
} from './isolate-ec2-instance.world.js';
import { identityCenterUserResource, seedIdentityCenter } from './support/identity-center-state.js';

const moto = useMoto({ resetEach: false });
let counter = 0;

/**
 * Permissions AWS checks without a command of their own: passing a role to EC2 when an instance profile is
 * (re)associated needs iam:PassRole on that role.
 */
const IMPLIED_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'ec2:AssociateIamInstanceProfile': ['iam:PassRole'],
  'ec2:ReplaceIamInstanceProfileAssociation': ['iam:PassRole'],
};

interface Scenario {
  label: string;
  params: Record<string, unknown>;
  seed(ctx: ActionContext): Promise<Resource>;
  /** Faults to plan once the resource exists, to reach a fallback path. */
  faults?: (faults: FaultInjector) => void;
}

/** Scenarios per action, together covering every optional path. Every registered action must have one. */
const SCENARIOS: Record<string, Scenario[]> = {
  'isolate-ec2-instance': [
    {
      label: 'two interfaces, instance profile, target group, first isolation in a new VPC',
      params: {
        cutTrackedFlows: true,
        deregisterTargets: true,
        removeInstanceProfile: true,
        revokeRoleSessions: true,
        snapshotVolumes: true,
        disableMetadataService: true,
      },
      async seed(ctx) {
        const network = await createNetwork(ctx.clients);
        const { profileArn } = await createProfile(ctx.clients);
        const { instanceId } = await launchInstance(ctx.clients, network, {
          secondInterface: true,
          profileArn,
        });
        await createTargetGroup(ctx.clients, network, instanceId);
        return instanceResource(instanceId);
      },
    },
    {
      label: 'registered in an IP-type target group and a Classic Load Balancer',
      params: { deregisterTargets: true },
      async seed(ctx) {
        const network = await createNetwork(ctx.clients);
        const { instanceId } = await launchInstance(ctx.clients, network);
        const { privateIp } = await readInstance(ctx.clients, instanceId);
        await createIpTargetGroup(ctx.clients, network, privateIp);
        await createClassicLoadBalancer(ctx.clients, network, instanceId);
        return instanceResource(instanceId);
      },
    },
    {
      label: 'an existing VPC whose isolation group was tampered with (cordon repairs it)',
      params: {},
      async seed(ctx) {
        const network = await createNetwork(ctx.clients);
        const first = await launchInstance(ctx.clients, network);
        const second = await launchInstance(ctx.clients, network);
        const isolateFirst = ACTIONS.get('isolate-ec2-instance');
        await isolateFirst?.apply(ctx, instanceResource(first.instanceId), isolateFirst.params.parse({}));
        const isolation = (await readCordonGroups(ctx.clients, network.vpcId)).find(
          (g) => g.role === 'isolation',
        );
        await ctx.clients.ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: isolation?.groupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        );
        return instanceResource(second.instanceId);
      },
    },
    {
      label: 'Auto Scaling instance moved to Standby, desired capacity restored on release',
      params: { autoScaling: 'standby', restoreDesiredCapacity: true },
      async seed(ctx) {
        const network = await createNetwork(ctx.clients);
        return instanceResource((await createAutoScalingGroup(ctx.clients, network)).instanceId);
      },
    },
    {
      label: 'Auto Scaling instance detached',
      params: { autoScaling: 'detach' },
      async seed(ctx) {
        const network = await createNetwork(ctx.clients);
        return instanceResource((await createAutoScalingGroup(ctx.clients, network)).instanceId);
      },
    },
  ],
  'isolate-iam-user': [
    {
      label: 'user with keys and a password, password removed',
      params: { removeConsoleAccess: true },
      async seed(ctx) {
        const name = `meta-user-${++counter}`;
        await seedUser(ctx.clients.iam, name);
        return userResource(name);
      },
    },
    {
      label: 'SSH key and signing certificate created during the incident, restored by name',
      params: {},
      async seed(ctx) {
        const name = `meta-user-${++counter}`;
        const user = await seedUser(ctx.clients.iam, name);
        // Two keys is IAM's limit: make room for the attacker's.
        await ctx.clients.iam.deleteAccessKey({ UserName: name, AccessKeyId: user.inactiveKeyId });
        ctx.incidentWindowStart = new Date(
          (await latestCredentialTime(ctx.clients.iam, name)) + 1,
        ).toISOString();
        const attacker = await seedAttackerCredentials(ctx.clients.iam, name, { withCertificate: true });
        ctx.restoreKeys = [attacker.sshPublicKeyId, attacker.certificateId ?? ''];
        return userResource(name);
      },
    },
    {
      label: 'inline policy quota full: AWSDenyAll attached and detached',
      params: {},
      async seed(ctx) {
        const name = `meta-user-${++counter}`;
        await seedUser(ctx.clients.iam, name);
        return userResource(name);
      },
      faults(faults) {
        faults.injectError('PutUserPolicy', () =>
          Object.assign(new Error('Maximum policy size of 2048 bytes exceeded for user'), {
            name: 'LimitExceededException',
            $fault: 'client',
            $metadata: { httpStatusCode: 409 },
          }),
        );
      },
    },
  ],
  'disable-access-key': [
    {
      label: 'active key, older sessions denied',
      params: { denyOlderSessions: true },
      async seed(ctx) {
        const name = `meta-key-${++counter}`;
        const user = await seedUser(ctx.clients.iam, name);
        return accessKeyResource(name, user.activeKeyId);
      },
    },
  ],
  'isolate-identity-center-user': [
    {
      label:
        'instance looked up, set reached through a group, session seen on a set no longer assigned (found by name)',
      params: {},
      async seed(ctx) {
        await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore, { assignDirect: false });
        return identityCenterUserResource();
      },
    },
  ],
  'revoke-role-sessions': [
    {
      label: 'ordinary role',
      params: {},
      async seed(ctx) {
        const name = `meta-role-${++counter}`;
        await seedRole(ctx.clients.iam, name);
        return roleResource(name);
      },
    },
  ],
};

function declaredShape(action: ActionDefinition): void {
  expect(action.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  expect(action.description.length).toBeGreaterThan(10);
  expect(action.resourceTypes.length).toBeGreaterThan(0);
  expect(action.permissions.length).toBeGreaterThan(0);
  expect(new Set(action.permissions).size).toBe(action.permissions.length);
  for (const permission of action.permissions) expect(permission).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  expect(action.steps.apply.length).toBeGreaterThan(0);
  expect(action.steps.release.length).toBeGreaterThan(0);
  expect(action.limitations.length).toBeGreaterThan(0);
  expect(() => action.params.parse({})).not.toThrow();
}

describe('Actions: declared permissions match the AWS calls each action makes', () => {
  it('has a scenario for every registered action', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...ACTION_NAMES].sort());
  });

  for (const name of ACTION_NAMES) {
    const action = ACTIONS.get(name);

    it(`${name}: declares a name, resource types, a params schema that parses {}, permissions, steps and limitations`, () => {
      expect(action).toBeDefined();
      if (action) declaredShape(action);
    });

    it(`${name}: every command sent is declared, and every declared permission is used`, async () => {
      // Prepare
      expect(action).toBeDefined();
      if (!action) return;
      const used = new Set<string>();
      const outcomes: string[] = [];

      // Act
      for (const scenario of SCENARIOS[name] ?? []) {
        const { ctx, recorder, faults } = motoActionContext(moto, { isolationId: `meta-${++counter}` });
        const resource = await scenario.seed(ctx);
        scenario.faults?.(faults);
        recorder.clear();
        const params = action.params.parse(scenario.params);
        const applied = await action.apply(ctx, resource, params);
        const released = await action.release(ctx, resource, params, applied);
        outcomes.push(`${scenario.label}: apply ${applied.outcome}, release ${released.outcome}`);
        for (const command of recorder.commands) {
          used.add(command.iamAction);
          for (const implied of IMPLIED_PERMISSIONS[command.iamAction] ?? []) used.add(implied);
        }
      }

      // Assess
      expect(
        outcomes.filter((o) => /failed|skipped/.test(o)),
        'every scenario must run to completion',
      ).toEqual([]);
      const declared = new Set(action.permissions);
      const undeclared = [...used].filter((p) => !declared.has(p)).sort();
      const unused = [...declared].filter((p) => !used.has(p)).sort();
      expect(undeclared, `${name} calls AWS actions it does not declare`).toEqual([]);
      expect(unused, `${name} declares permissions no scenario used`).toEqual([]);
    });
  }
});
