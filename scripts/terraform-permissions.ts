/**
 * Generates the IAM permissions Terraform deploys, from what the code declares. Terraform cannot run
 * TypeScript, so two committed JSON files carry the declarations, and `test/terraform` fails when they are
 * stale:
 *
 * - `terraform/modules/member-role/permissions.json`: the member role's permissions, the union of every
 *   registered action's `permissions` (functions/lib/actions/registry.ts), each placed in the narrowest
 *   statement IAM allows. Resource ARNs carry the `templatefile` placeholders `${partition}` and `${account_id}`.
 * - `terraform/modules/cordon/function-permissions.json`: each Lambda's security-account IAM actions
 *   (`FUNCTION_PERMISSION_STATEMENTS` in functions/lib/permissions.ts), one statement per kind of resource; the
 *   cordon module maps each kind to its ARNs.
 *
 * Usage: `npx tsx scripts/terraform-permissions.ts` (write) or `npx tsx scripts/terraform-permissions.ts --check`.
 */
import { isMainModule } from './is-main.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ActionDefinition } from '../functions/lib/actions/contract.js';
import { ACTIONS } from '../functions/lib/actions/registry.js';
import { FUNCTION_PERMISSION_STATEMENTS } from '../functions/lib/permissions.js';

/** One statement of the generated member-role policy. */
export interface MemberRoleStatement {
  sid: string;
  actions: string[];
  resources: string[];
  /** IAM condition blocks, Terraform `aws_iam_policy_document` style. */
  conditions: { test: string; variable: string; values: string[] }[];
  /** Why the resources are what they are (reviewers read this, Terraform ignores it). */
  why: string;
  /**
   * Granted only where the member-role module's `identity_center_admin` is true: the account that administers
   * IAM Identity Center. Every other member account never gets these actions.
   */
  identityCenterAdminOnly: boolean;
}

/** The content of `permissions.json`. */
export interface MemberRolePolicy {
  comment: string;
  /** Union of every registered action's permissions, sorted. */
  actions: string[];
  /** Which registered action declared each permission (for reviewers and docs/iam.md). */
  declaredBy: Record<string, string[]>;
  statements: MemberRoleStatement[];
  /**
   * Every IAM write the role holds, denied on the member role itself (cordon never contains its own responder
   * role, even if a finding or an API request names it) and on {@link MemberRolePolicy.protectedRoleArns}:
   * defence in depth behind the guards in the code.
   */
  selfProtectionActions: string[];
  /** Roles no IAM write of the member role may touch (see {@link PROTECTED_ROLE_ARNS}). */
  protectedRoleArns: string[];
}

/** Where the generated file lives, relative to the repository root. */
export const MEMBER_ROLE_PERMISSIONS_FILE = 'terraform/modules/member-role/permissions.json';

/** IAM read actions that have no resource type in the IAM service authorisation reference. */
const IAM_ACCOUNT_WIDE = new Set([
  'iam:GetAccountSummary',
  'iam:ListAccountAliases',
  'iam:ListInstanceProfiles',
  'iam:ListPolicies',
  'iam:ListRoles',
  'iam:ListUsers',
]);

const READ_VERB = /^(Describe|List|Get)/;

interface StatementTemplate {
  sid: string;
  resources: string[];
  conditions?: MemberRoleStatement['conditions'];
  why: string;
  identityCenterAdminOnly?: boolean;
}

/** The tag key cordon puts on its isolation and flow-cut security groups (functions/lib/actions/ec2/groups.ts). */
export const CORDON_GROUP_TAG = 'cordon:role';
/** The values of {@link CORDON_GROUP_TAG}: the only groups whose rules the member role may change. */
export const CORDON_GROUP_ROLES = ['isolation', 'flow-cut'];

/** Tag keys cordon writes on instances and IAM users it contains (and removes on release). */
const CORDON_TAG_KEYS: MemberRoleStatement['conditions'] = [
  { test: 'ForAllValues:StringLike', variable: 'aws:TagKeys', values: ['cordon:*'] },
  // ForAllValues is true when the key is absent: a DeleteTags without keys (every tag) must not match.
  { test: 'Null', variable: 'aws:TagKeys', values: ['false'] },
];

const INSTANCES_OF_THIS_ACCOUNT = 'arn:${partition}:ec2:*:${account_id}:instance/*';

/**
 * Statement templates, in output order. A permission goes to the templates {@link SCOPING} names for it, else to
 * the one `classify` picks.
 */
const TEMPLATES = {
  iamReads: {
    sid: 'IamReadUsersRolesAndProfiles',
    resources: [
      'arn:${partition}:iam::${account_id}:user/*',
      'arn:${partition}:iam::${account_id}:role/*',
      'arn:${partition}:iam::${account_id}:instance-profile/*',
    ],
    why: 'Reads of IAM users, roles and instance profiles of this account: never groups, managed policies or identity providers.',
  },
  iamUserWrites: {
    sid: 'IamContainUsers',
    resources: ['arn:${partition}:iam::${account_id}:user/*'],
    why:
      'Containment of IAM users (deny-all inline policy, keys, console password, SSH keys, signing certificates) of ' +
      'this account. IAM has no condition key for the content or name of an inline policy, nor for which key ' +
      'UpdateAccessKey changes: see the threat model in docs/iam.md. The protected-principal Deny statements ' +
      'exclude the users IAM can name.',
  },
  iamUserTags: {
    sid: 'IamCordonTagsOnUsers',
    resources: ['arn:${partition}:iam::${account_id}:user/*'],
    conditions: CORDON_TAG_KEYS,
    why: 'isolate-iam-user marks the user it contains and unmarks it on release: only `cordon:*` tag keys.',
  },
  iamRoleWrites: {
    sid: 'IamRevokeRoleSessions',
    resources: ['arn:${partition}:iam::${account_id}:role/*'],
    why:
      'revoke-role-sessions and isolate-ec2-instance put (and on release delete) the aws:TokenIssueTime deny ' +
      'policy on a role of this account. IAM has no condition key for an inline policy: see docs/iam.md; the ' +
      'protected-principal Deny statements exclude OrganizationAccountAccessRole, aws-reserved and service roles.',
  },
  iamAttachDenyAllOnly: {
    sid: 'AttachOnlyAwsDenyAllToUsers',
    resources: ['arn:${partition}:iam::${account_id}:user/*'],
    conditions: [
      {
        test: 'ArnEquals',
        variable: 'iam:PolicyARN',
        values: ['arn:${partition}:iam::aws:policy/AWSDenyAll'],
      },
    ],
    why:
      "isolate-iam-user attaches AWS's AWSDenyAll when a user's inline policy quota is full, and detaches it on " +
      'release; the condition forbids attaching or detaching any other managed policy (no privilege escalation).',
  },
  iamPassRole: {
    sid: 'PassRoleBackToEc2Only',
    resources: ['arn:${partition}:iam::${account_id}:role/*'],
    conditions: [
      { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] },
      { test: 'ArnLike', variable: 'iam:AssociatedResourceArn', values: [INSTANCES_OF_THIS_ACCOUNT] },
    ],
    why:
      'Release re-associates the instance profile it recorded: the role may only be passed to EC2, for an ' +
      'instance of this account (the ARN form IAM documents for iam:AssociatedResourceArn on EC2).',
  },
  iamAccountWide: {
    sid: 'IamAccountWideReads',
    resources: ['*'],
    why: 'These IAM list/read actions have no resource type, so IAM accepts only "*".',
  },
  autoScalingWrite: {
    sid: 'AutoScalingGroupsOfThisAccount',
    resources: ['arn:${partition}:autoscaling:*:${account_id}:autoScalingGroup:*:autoScalingGroupName/*'],
    why: 'Scoped to Auto Scaling groups of this account, in any region.',
  },
  elbWrite: {
    sid: 'LoadBalancerTargetsOfThisAccount',
    resources: [
      'arn:${partition}:elasticloadbalancing:*:${account_id}:targetgroup/*/*',
      'arn:${partition}:elasticloadbalancing:*:${account_id}:loadbalancer/*',
    ],
    why:
      'Scoped to ELBv2 target groups and Classic Load Balancers (whose register/deregister actions act on ' +
      '`loadbalancer/<name>`) of this account, in any region.',
  },
  reads: {
    sid: 'DescribeForEvidence',
    resources: ['*'],
    why: 'EC2, Auto Scaling and ELBv2 Describe actions do not support resource-level permissions.',
  },
  cordonGroupRules: {
    sid: 'RulesOfCordonGroupsOnly',
    resources: ['arn:${partition}:ec2:*:${account_id}:security-group/*'],
    conditions: [
      { test: 'StringEquals', variable: `aws:ResourceTag/${CORDON_GROUP_TAG}`, values: CORDON_GROUP_ROLES },
    ],
    why:
      `Rule changes only on cordon's isolation and flow-cut groups, which carry ${CORDON_GROUP_TAG} from their ` +
      'creation (tag-on-create): never on any other security group.',
  },
  createCordonGroups: {
    sid: 'CreateOnlyCordonGroups',
    resources: ['arn:${partition}:ec2:*:${account_id}:security-group/*'],
    conditions: [
      { test: 'StringEquals', variable: `aws:RequestTag/${CORDON_GROUP_TAG}`, values: CORDON_GROUP_ROLES },
    ],
    why: `A security group may be created only tagged ${CORDON_GROUP_TAG}=isolation or flow-cut in the same request.`,
  },
  createGroupsInVpcs: {
    sid: 'CreateGroupsInAnyVpc',
    resources: ['arn:${partition}:ec2:*:*:vpc/*'],
    why:
      "CreateSecurityGroup is also authorised on the VPC; in a shared VPC (AWS RAM) the VPC's ARN carries the " +
      "owner account's id, so the account is not fixed.",
  },
  tagCordonGroupsOnCreate: {
    sid: 'TagCordonGroupsOnCreate',
    resources: ['arn:${partition}:ec2:*:${account_id}:security-group/*'],
    conditions: [
      { test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSecurityGroup'] },
      { test: 'ForAllValues:StringEquals', variable: 'aws:TagKeys', values: [CORDON_GROUP_TAG, 'Name'] },
    ],
    why: `Tags only within CreateSecurityGroup (TagSpecifications), and only ${CORDON_GROUP_TAG} and Name: an existing group can never be tagged as cordon's.`,
  },
  tagSnapshotsOnCreate: {
    sid: 'TagEvidenceSnapshotsOnCreate',
    resources: ['arn:${partition}:ec2:*::snapshot/*'],
    conditions: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSnapshots'] }],
    why: 'Evidence snapshots are tagged within CreateSnapshots (TagSpecifications, tags copied from the volumes); snapshot ARNs carry no account id.',
  },
  cordonTagsOnInstances: {
    sid: 'CordonTagsOnInstances',
    resources: [INSTANCES_OF_THIS_ACCOUNT],
    conditions: CORDON_TAG_KEYS,
    why: 'isolate-ec2-instance marks the instance it contains and unmarks it on release: only `cordon:*` tag keys, on instances of this account.',
  },
  ec2Instances: {
    sid: 'Ec2InstancesOfThisAccount',
    resources: [INSTANCES_OF_THIS_ACCOUNT],
    why:
      'Instance profile and metadata changes act on the instance only; instances belong to the account they ' +
      'run in, even in a shared VPC.',
  },
  ec2Write: {
    sid: 'Ec2Containment',
    resources: ['*'],
    why:
      'Not scoped by ARN on purpose: the targets are arbitrary compromised instances (so no tag condition can ' +
      'select them in advance), and these actions are also authorised on security groups, subnets, VPCs, ' +
      "volumes or snapshots that, in shared VPCs (AWS RAM), belong to the owner account. The role's " +
      'trust policy and cordon guards (exempt tags, protected ARNs, self-protection) bound what it does; see ' +
      'the threat model in docs/iam.md.',
  },
  identityCenter: {
    sid: 'IdentityCenterPermissionSets',
    resources: [
      'arn:${partition}:sso:::instance/*',
      'arn:${partition}:sso:::permissionSet/*/*',
      'arn:${partition}:sso:::account/*',
      'arn:${partition}:identitystore::${account_id}:identitystore/*',
      'arn:${partition}:identitystore:::user/*',
      'arn:${partition}:identitystore:::group/*',
      'arn:${partition}:identitystore:::membership/*',
    ],
    identityCenterAdminOnly: true,
    why:
      'isolate-identity-center-user edits the inline policy of the permission sets assigned to one user and ' +
      're-provisions them. Granted only in the account that administers IAM Identity Center ' +
      '(identity_center_admin = true); Identity Center ARNs carry no account id, except the identity store.',
  },
  identityCenterAccountWide: {
    sid: 'IdentityCenterInstances',
    resources: ['*'],
    identityCenterAdminOnly: true,
    why: 'sso:ListInstances has no resource type, so IAM accepts only "*"; granted only where identity_center_admin = true.',
  },
  other: {
    sid: 'OtherServices',
    resources: ['*'],
    why: 'No scoping rule is known for these actions yet: review before deploying and add one to scripts/terraform-permissions.ts.',
  },
} satisfies Record<string, StatementTemplate>;

type TemplateKey = keyof typeof TEMPLATES;

/**
 * Permissions with a declared scope: the statements (one or more) that grant them. A permission may need several
 * statements when IAM authorises it on several resource types under different conditions (CreateTags on a
 * group being created, on a snapshot being created, on an instance). Everything else falls back to `classify`.
 */
const SCOPING: Readonly<Record<string, readonly TemplateKey[]>> = {
  'ec2:AuthorizeSecurityGroupIngress': ['cordonGroupRules'],
  'ec2:AuthorizeSecurityGroupEgress': ['cordonGroupRules'],
  'ec2:RevokeSecurityGroupIngress': ['cordonGroupRules'],
  'ec2:RevokeSecurityGroupEgress': ['cordonGroupRules'],
  'ec2:CreateSecurityGroup': ['createCordonGroups', 'createGroupsInVpcs'],
  'ec2:CreateTags': ['tagCordonGroupsOnCreate', 'tagSnapshotsOnCreate', 'cordonTagsOnInstances'],
  'ec2:DeleteTags': ['cordonTagsOnInstances'],
  'ec2:AssociateIamInstanceProfile': ['ec2Instances'],
  'ec2:DisassociateIamInstanceProfile': ['ec2Instances'],
  'ec2:ModifyInstanceMetadataOptions': ['ec2Instances'],
  'iam:PassRole': ['iamPassRole'],
  'iam:AttachUserPolicy': ['iamAttachDenyAllOnly'],
  'iam:DetachUserPolicy': ['iamAttachDenyAllOnly'],
  'iam:TagUser': ['iamUserTags'],
  'iam:UntagUser': ['iamUserTags'],
  'iam:PutRolePolicy': ['iamRoleWrites'],
  'iam:DeleteRolePolicy': ['iamRoleWrites'],
};

/**
 * IAM roles the member role must never change, pass or contain, whatever a finding, a request or a policy says
 * (defence in depth behind the guards in the code): the organisation's administration role, the roles AWS
 * reserves (IAM Identity Center's `aws-reserved/*`) and service-linked roles. The member role itself is added by
 * the Terraform modules (its name is a variable), as are the operator's `protected_principal_arns`.
 */
export const PROTECTED_ROLE_ARNS = [
  'arn:${partition}:iam::${account_id}:role/OrganizationAccountAccessRole',
  'arn:${partition}:iam::${account_id}:role/aws-reserved/*',
  'arn:${partition}:iam::${account_id}:role/aws-service-role/*',
];

/** The statement a permission without a declared scope belongs to. */
function classify(permission: string): TemplateKey {
  const [service = '', verb = ''] = permission.split(':');
  if (service === 'iam') {
    if (IAM_ACCOUNT_WIDE.has(permission)) return 'iamAccountWide';
    return READ_VERB.test(verb) ? 'iamReads' : 'iamUserWrites';
  }
  if (service === 'ec2' || service === 'autoscaling' || service === 'elasticloadbalancing') {
    if (READ_VERB.test(verb)) return 'reads';
    if (service === 'ec2') return 'ec2Write';
    return service === 'autoscaling' ? 'autoScalingWrite' : 'elbWrite';
  }
  if (service === 'sso' || service === 'identitystore') {
    return permission === 'sso:ListInstances' ? 'identityCenterAccountWide' : 'identityCenter';
  }
  return 'other';
}

/** The statements that grant a permission. */
function scopesOf(permission: string): readonly TemplateKey[] {
  return SCOPING[permission] ?? [classify(permission)];
}

const PERMISSION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * Build the member-role policy from registered actions.
 * @param actions the registered actions (default: the registry)
 * @throws Error when an action declares a malformed or wildcard permission (the member role never gets `*`).
 */
export function buildMemberRolePolicy(
  actions: Iterable<ActionDefinition> = ACTIONS.values(),
): MemberRolePolicy {
  const declaredBy = new Map<string, Set<string>>();
  for (const action of actions) {
    for (const permission of action.permissions) {
      if (!PERMISSION_PATTERN.test(permission)) {
        throw new Error(
          `action ${action.name} declares permission "${permission}": expected "service:Action" without wildcards`,
        );
      }
      const owners = declaredBy.get(permission) ?? new Set<string>();
      owners.add(action.name);
      declaredBy.set(permission, owners);
    }
  }
  const all = [...declaredBy.keys()].sort();
  const grouped = new Map<TemplateKey, string[]>();
  for (const permission of all) {
    for (const key of scopesOf(permission)) grouped.set(key, [...(grouped.get(key) ?? []), permission]);
  }
  const statements: MemberRoleStatement[] = [];
  for (const key of Object.keys(TEMPLATES) as TemplateKey[]) {
    const permissions = grouped.get(key);
    if (permissions === undefined) continue;
    const template: StatementTemplate = TEMPLATES[key];
    statements.push({
      sid: template.sid,
      actions: permissions,
      resources: template.resources,
      conditions: template.conditions ?? [],
      why: template.why,
      identityCenterAdminOnly: template.identityCenterAdminOnly ?? false,
    });
  }
  return {
    comment:
      'GENERATED by scripts/terraform-permissions.ts from functions/lib/actions/registry.ts. Do not edit: run `npx tsx scripts/terraform-permissions.ts`.',
    actions: all,
    declaredBy: Object.fromEntries(all.map((p) => [p, [...(declaredBy.get(p) ?? [])].sort()])),
    statements,
    selfProtectionActions: all.filter(
      (p) => p.startsWith('iam:') && !IAM_ACCOUNT_WIDE.has(p) && !READ_VERB.test(p.slice(4)),
    ),
    protectedRoleArns: PROTECTED_ROLE_ARNS,
  };
}

/** The exact text of `permissions.json` for the current registry (stable: sorted, 2-space JSON, final newline). */
export function renderMemberRolePolicy(policy: MemberRolePolicy = buildMemberRolePolicy()): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/**
 * One statement of a function role: the actions the code calls on one kind of resource. The cordon module maps
 * `resource` to ARNs (`local.permission_resources` in terraform/modules/cordon/iam.tf).
 */
export interface FunctionStatement {
  sid: string;
  resource: string;
  actions: string[];
}

/** The content of `function-permissions.json`. */
export interface FunctionPermissionsFile {
  comment: string;
  functions: Record<string, FunctionStatement[]>;
}

/** Where the generated function permissions live, relative to the repository root. */
export const FUNCTION_PERMISSIONS_FILE = 'terraform/modules/cordon/function-permissions.json';

type DeclaredStatements = Readonly<
  Record<string, readonly { resource: string; actions: readonly string[] }[]>
>;

/**
 * Each function's declared IAM actions, one statement per kind of resource.
 * @param declared function name → statements (default: `FUNCTION_PERMISSION_STATEMENTS` of the code)
 * @throws Error on a malformed or wildcard action: roles get exactly what the code calls, never `*`.
 */
export function buildFunctionPermissions(
  declared: DeclaredStatements = FUNCTION_PERMISSION_STATEMENTS,
): FunctionPermissionsFile {
  const functions: Record<string, FunctionStatement[]> = {};
  for (const name of Object.keys(declared).sort()) {
    const byResource = new Map<string, Set<string>>();
    for (const statement of declared[name] ?? []) {
      for (const permission of statement.actions) {
        if (!PERMISSION_PATTERN.test(permission)) {
          throw new Error(
            `function ${name} declares permission "${permission}": expected "service:Action" without wildcards`,
          );
        }
        const set = byResource.get(statement.resource) ?? new Set<string>();
        set.add(permission);
        byResource.set(statement.resource, set);
      }
    }
    functions[name] = [...byResource.keys()].sort().map((resource) => ({
      sid: `${resource
        .split(/[^A-Za-z0-9]+/)
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('')}Access`,
      resource,
      actions: [...(byResource.get(resource) ?? [])].sort(),
    }));
  }
  return {
    comment:
      'GENERATED by scripts/terraform-permissions.ts from FUNCTION_PERMISSION_STATEMENTS in functions/lib/permissions.ts. Do not edit: run `npx tsx scripts/terraform-permissions.ts`.',
    functions,
  };
}

/** The exact text of `function-permissions.json` for the current declarations. */
export function renderFunctionPermissions(
  file: FunctionPermissionsFile = buildFunctionPermissions(),
): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function main(argv: string[]): number {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const outputs = [
    { relative: MEMBER_ROLE_PERMISSIONS_FILE, text: renderMemberRolePolicy() },
    { relative: FUNCTION_PERMISSIONS_FILE, text: renderFunctionPermissions() },
  ];
  let stale = 0;
  for (const { relative, text } of outputs) {
    const file = path.join(root, relative);
    if (argv.includes('--check')) {
      const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (current === text) {
        console.log(`${relative} is up to date`);
      } else {
        console.error(`${relative} is stale: run \`npx tsx scripts/terraform-permissions.ts\``);
        stale += 1;
      }
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${relative}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
