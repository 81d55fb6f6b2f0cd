/**
 * IAM reads shared by the IAM collectors (user, access key, role) and the EC2 collector (the instance profile's
 * role): lists read to the end (IAM pages by `Marker`, so an artifact is never silently a first page) and policy
 * documents decoded to the JSON a person reads.
 */
import type { IAM } from '@aws-sdk/client-iam';
import { awsErrorName } from '../aws/errors.js';
import { withoutMetadata, type EvidenceStep, type StepContext } from './collector.js';

/** Every page of an IAM list (`Marker`/`IsTruncated`), items concatenated. */
export async function allPages<
  T,
  O extends { IsTruncated?: boolean | undefined; Marker?: string | undefined },
>(
  page: (marker: string | undefined) => Promise<O>,
  items: (output: O) => readonly T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const output = await page(marker);
    all.push(...(items(output) ?? []));
    marker = output.IsTruncated === true ? output.Marker : undefined;
  } while (marker !== undefined);
  return all;
}

/** IAM returns policy documents URL-encoded; the artifact keeps the JSON the user would read. */
export function decodeDocument(document: string | undefined): unknown {
  if (document === undefined) return null;
  const text = decodeURIComponent(document);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Managed policies live at `arn:<partition>:iam::<account or aws>:policy/...`: IAM's reads of them are scoped
 * to policies, which the fallback statement (users, roles, instance profiles) does not cover.
 */
export const MANAGED_POLICY_READS = {
  sid: 'ReadManagedPolicyDocuments',
  resources: ['arn:${partition}:iam::*:policy/*'],
  why: 'Evidence of an IAM user includes the documents of its attached managed policies, AWS-managed ones included (account `aws`).',
};

/** The reads {@link userSteps} make. */
export const USER_READS = [
  'iam:GetUser',
  'iam:ListUserPolicies',
  'iam:GetUserPolicy',
  'iam:ListAttachedUserPolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListGroupsForUser',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListMFADevices',
  'iam:GetLoginProfile',
] as const;

/** The reads {@link roleReads} makes. */
export const ROLE_READS = [
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
] as const;

/** Managed-policy reads sit in their own statement (see {@link MANAGED_POLICY_READS}). */
export const MANAGED_POLICY_SCOPING = {
  'iam:GetPolicy': [MANAGED_POLICY_READS],
  'iam:GetPolicyVersion': [MANAGED_POLICY_READS],
};

/** A managed policy with its default version's document. */
async function managedPolicy(
  ctx: StepContext,
  PolicyArn: string,
  PolicyName: string | undefined,
): Promise<{
  PolicyArn: string;
  PolicyName: string | undefined;
  DefaultVersionId: string | null;
  PolicyDocument: unknown;
}> {
  const policy = await ctx.call('iam:GetPolicy', () => ctx.clients.iam.getPolicy({ PolicyArn }));
  const VersionId = policy.Policy?.DefaultVersionId;
  const version =
    VersionId === undefined
      ? undefined
      : await ctx.call('iam:GetPolicyVersion', () =>
          ctx.clients.iam.getPolicyVersion({ PolicyArn, VersionId }),
        );
  return {
    PolicyArn,
    PolicyName,
    DefaultVersionId: VersionId ?? null,
    PolicyDocument: decodeDocument(version?.PolicyVersion?.Document),
  };
}

/** A role with its trust policy, inline policies and attached managed policies, with their documents. */
export async function roleReads(ctx: StepContext, RoleName: string): Promise<unknown> {
  const iam: IAM = ctx.clients.iam;
  const role = await ctx.call('iam:GetRole', () => iam.getRole({ RoleName }));
  const inlineNames = await allPages(
    (Marker) =>
      ctx.call('iam:ListRolePolicies', () =>
        iam.listRolePolicies({ RoleName, ...(Marker ? { Marker } : {}) }),
      ),
    (o) => o.PolicyNames,
  );
  const inline = [];
  for (const PolicyName of inlineNames) {
    const policy = await ctx.call('iam:GetRolePolicy', () => iam.getRolePolicy({ RoleName, PolicyName }));
    inline.push({ PolicyName, PolicyDocument: decodeDocument(policy.PolicyDocument) });
  }
  const attachedList = await allPages(
    (Marker) =>
      ctx.call('iam:ListAttachedRolePolicies', () =>
        iam.listAttachedRolePolicies({ RoleName, ...(Marker ? { Marker } : {}) }),
      ),
    (o) => o.AttachedPolicies,
  );
  const attached = [];
  for (const { PolicyArn, PolicyName } of attachedList) {
    if (PolicyArn !== undefined) attached.push(await managedPolicy(ctx, PolicyArn, PolicyName));
  }
  return {
    Role: role.Role
      ? { ...role.Role, AssumeRolePolicyDocument: decodeDocument(role.Role.AssumeRolePolicyDocument) }
      : null,
    InlinePolicies: inline,
    AttachedPolicies: attached,
  };
}

/** The steps describing one IAM user: the user, policies with documents, groups, keys, MFA and login profile. */
export function userSteps<R>(userName: (resource: R) => string): EvidenceStep<R>[] {
  return [
    {
      name: 'iam/user.json',
      collect: async (ctx, user) =>
        withoutMetadata(
          await ctx.call('iam:GetUser', () => ctx.clients.iam.getUser({ UserName: userName(user) })),
        ),
    },
    {
      name: 'iam/inline-policies.json',
      collect: async (ctx, user) => {
        const names = await allPages(
          (Marker) =>
            ctx.call('iam:ListUserPolicies', () =>
              ctx.clients.iam.listUserPolicies({ UserName: userName(user), ...(Marker ? { Marker } : {}) }),
            ),
          (o) => o.PolicyNames,
        );
        const policies = [];
        for (const PolicyName of names) {
          const policy = await ctx.call('iam:GetUserPolicy', () =>
            ctx.clients.iam.getUserPolicy({ UserName: userName(user), PolicyName }),
          );
          policies.push({ PolicyName, PolicyDocument: decodeDocument(policy.PolicyDocument) });
        }
        return { UserName: userName(user), Policies: policies };
      },
    },
    {
      name: 'iam/attached-policies.json',
      collect: async (ctx, user) => {
        const attached = await allPages(
          (Marker) =>
            ctx.call('iam:ListAttachedUserPolicies', () =>
              ctx.clients.iam.listAttachedUserPolicies({
                UserName: userName(user),
                ...(Marker ? { Marker } : {}),
              }),
            ),
          (o) => o.AttachedPolicies,
        );
        const policies = [];
        for (const { PolicyArn, PolicyName } of attached) {
          if (PolicyArn !== undefined) policies.push(await managedPolicy(ctx, PolicyArn, PolicyName));
        }
        return { UserName: userName(user), AttachedPolicies: policies };
      },
    },
    {
      name: 'iam/groups.json',
      collect: async (ctx, user) => ({
        UserName: userName(user),
        Groups: await allPages(
          (Marker) =>
            ctx.call('iam:ListGroupsForUser', () =>
              ctx.clients.iam.listGroupsForUser({ UserName: userName(user), ...(Marker ? { Marker } : {}) }),
            ),
          (o) => o.Groups,
        ),
      }),
    },
    {
      name: 'iam/access-keys.json',
      collect: async (ctx, user) => {
        const keys = await allPages(
          (Marker) =>
            ctx.call('iam:ListAccessKeys', () =>
              ctx.clients.iam.listAccessKeys({ UserName: userName(user), ...(Marker ? { Marker } : {}) }),
            ),
          (o) => o.AccessKeyMetadata,
        );
        const withLastUse = [];
        for (const key of keys) {
          const AccessKeyId = key.AccessKeyId;
          const lastUsed =
            AccessKeyId === undefined
              ? undefined
              : await ctx.call('iam:GetAccessKeyLastUsed', () =>
                  ctx.clients.iam.getAccessKeyLastUsed({ AccessKeyId }),
                );
          withLastUse.push({ ...key, AccessKeyLastUsed: lastUsed?.AccessKeyLastUsed ?? null });
        }
        return { UserName: userName(user), AccessKeys: withLastUse };
      },
    },
    {
      name: 'iam/mfa-devices.json',
      collect: async (ctx, user) => ({
        UserName: userName(user),
        MFADevices: await allPages(
          (Marker) =>
            ctx.call('iam:ListMFADevices', () =>
              ctx.clients.iam.listMFADevices({ UserName: userName(user), ...(Marker ? { Marker } : {}) }),
            ),
          (o) => o.MFADevices,
        ),
      }),
    },
    {
      name: 'iam/login-profile.json',
      collect: async (ctx, user) => {
        try {
          return withoutMetadata(
            await ctx.call('iam:GetLoginProfile', () =>
              ctx.clients.iam.getLoginProfile({ UserName: userName(user) }),
            ),
          );
        } catch (error) {
          // No console password is a fact, not a failure (the isolation may have deleted it: see the decision).
          if (awsErrorName(error) === 'NoSuchEntityException' || awsErrorName(error) === 'NoSuchEntity') {
            return { UserName: userName(user), LoginProfile: null };
          }
          throw error;
        }
      },
    },
  ];
}
