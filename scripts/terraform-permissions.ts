/**
 * Generates the IAM permissions Terraform deploys, from what the code declares. Terraform cannot run
 * TypeScript, so two committed JSON files carry the declarations, and `test/terraform` fails when they are
 * stale:
 *
 * - `terraform/modules/member-role/permissions.json`: the member role's permissions, the union of every
 *   registered action's `permissions` (functions/lib/actions/registry.ts) and every evidence collector's reads
 *   (functions/lib/evidence/kinds.ts), each in the statements they declare in their `scoping` (resources and conditions, functions/lib/actions/iam-scopes.ts), else in the
 *   fallback statement `classify` picks. Resource ARNs carry the `templatefile` placeholders `${partition}` and
 *   `${account_id}`.
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
import type { ActionManifest, PermissionScope } from '../functions/lib/actions/contract.js';
import { ACTIONS } from '../functions/lib/actions/registry.js';
import { EVIDENCE_DECLARERS } from '../functions/lib/evidence/kinds.js';
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
  /**
   * Present (true) only on memory-capture statements: granted only where the member-role module's
   * `memory_capture_documents` lists documents. Absent elsewhere, so the other statements read as before.
   */
  memoryCaptureOnly?: true;
  /** Present (true) when the module adds those documents' ARNs to `resources`. */
  addMemoryCaptureDocuments?: true;
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
  memoryCapture?: 'only' | 'documents';
}

/**
 * Fallback statements, for permissions no action declares a scope for (`scoping` in
 * functions/lib/actions/contract.ts): placed by service and verb by `classify`.
 */
const TEMPLATES = {
  iamPrincipals: {
    sid: 'IamUsersRolesAndProfiles',
    resources: [
      'arn:${partition}:iam::${account_id}:user/*',
      'arn:${partition}:iam::${account_id}:role/*',
      'arn:${partition}:iam::${account_id}:instance-profile/*',
    ],
    why: 'Scoped to IAM users, roles and instance profiles of this account: never groups, managed policies or identity providers.',
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
    why: 'No scoping rule is known for these actions yet: review before deploying and declare a `scoping` on the action.',
  },
} satisfies Record<string, StatementTemplate>;

type TemplateKey = keyof typeof TEMPLATES;

/** Permissions that are never granted without a declared scope: the fallback would drop their conditions. */
const MUST_BE_SCOPED = new Set(['iam:PassRole', 'iam:AttachUserPolicy', 'iam:DetachUserPolicy']);

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

/** The fallback statement of a permission without a declared scope. */
function classify(permission: string): TemplateKey {
  const [service = '', verb = ''] = permission.split(':');
  if (service === 'iam') return IAM_ACCOUNT_WIDE.has(permission) ? 'iamAccountWide' : 'iamPrincipals';
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

/** A declared scope as a statement template, compared field by field when two declarations share a sid. */
function templateOf(scope: PermissionScope): StatementTemplate {
  return {
    sid: scope.sid,
    resources: [...scope.resources],
    conditions: (scope.conditions ?? []).map((c) => ({
      test: c.test,
      variable: c.variable,
      values: [...c.values],
    })),
    why: scope.why,
    ...(scope.memoryCapture === undefined ? {} : { memoryCapture: scope.memoryCapture }),
  };
}

const PERMISSION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** Who declares member-role permissions: an action, or an evidence collector (`evidence:<type>`). */
export type PermissionDeclarer = Pick<ActionManifest, 'name' | 'permissions' | 'scoping'>;

/** The registered actions, then the evidence collectors: everything the worker calls through the member role. */
export function memberRoleDeclarers(): PermissionDeclarer[] {
  return [...ACTIONS.values(), ...EVIDENCE_DECLARERS];
}

/**
 * Build the member-role policy from registered actions and evidence collectors.
 * @param actions the declarers (default: {@link memberRoleDeclarers})
 * @throws Error when an action declares a malformed or wildcard permission (the member role never gets `*`).
 */
export function buildMemberRolePolicy(
  actions: Iterable<PermissionDeclarer> = memberRoleDeclarers(),
): MemberRolePolicy {
  const actionList = [...actions];
  const declaredBy = new Map<string, Set<string>>();
  for (const action of actionList) {
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
  // Declared scopes, in the order the registry first declares them; a sid names one statement everywhere.
  const declared = new Map<string, { template: StatementTemplate; permissions: Set<string> }>();
  const scoped = new Set<string>();
  for (const action of actionList) {
    for (const [permission, scopes] of Object.entries(action.scoping ?? {})) {
      if (!action.permissions.includes(permission)) {
        throw new Error(`action ${action.name} scopes "${permission}", which its permissions do not declare`);
      }
      for (const scope of scopes) {
        const template = templateOf(scope);
        const existing = declared.get(scope.sid);
        if (existing && JSON.stringify(existing.template) !== JSON.stringify(template)) {
          throw new Error(`action ${action.name} declares statement ${scope.sid} unlike another action does`);
        }
        if (Object.values(TEMPLATES).some((t: StatementTemplate) => t.sid === scope.sid)) {
          throw new Error(
            `action ${action.name} declares statement ${scope.sid}, a fallback statement's sid`,
          );
        }
        const entry = existing ?? { template, permissions: new Set<string>() };
        entry.permissions.add(permission);
        declared.set(scope.sid, entry);
        scoped.add(permission);
      }
    }
  }
  const grouped = new Map<TemplateKey, string[]>();
  for (const permission of all.filter((p) => !scoped.has(p))) {
    if (MUST_BE_SCOPED.has(permission)) {
      throw new Error(
        `${permission} needs a declared scope (scoping on the action): the fallback has no conditions`,
      );
    }
    const key = classify(permission);
    grouped.set(key, [...(grouped.get(key) ?? []), permission]);
  }
  const toStatement = (template: StatementTemplate, actions: string[]): MemberRoleStatement => ({
    sid: template.sid,
    actions: [...actions].sort(),
    resources: template.resources,
    conditions: template.conditions ?? [],
    why: template.why,
    identityCenterAdminOnly: template.identityCenterAdminOnly ?? false,
    ...(template.memoryCapture === undefined ? {} : { memoryCaptureOnly: true as const }),
    ...(template.memoryCapture === 'documents' ? { addMemoryCaptureDocuments: true as const } : {}),
  });
  const statements: MemberRoleStatement[] = [
    ...[...declared.values()].map(({ template, permissions }) => toStatement(template, [...permissions])),
    ...(Object.keys(TEMPLATES) as TemplateKey[]).flatMap((key) => {
      const permissions = grouped.get(key);
      return permissions === undefined ? [] : [toStatement(TEMPLATES[key], permissions)];
    }),
  ];
  return {
    comment:
      'GENERATED by scripts/terraform-permissions.ts from functions/lib/actions/registry.ts and functions/lib/evidence/kinds.ts. Do not edit: run `npx tsx scripts/terraform-permissions.ts`.',
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
