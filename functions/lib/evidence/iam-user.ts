/**
 * Evidence of an IAM user: the user, its inline and attached policies with their documents, its groups, its
 * access keys with their last use, its MFA devices and its login profile. Lists are read to the end (IAM pages
 * by `Marker`), so an artifact is never silently a first page.
 */
import type { IamUserResource } from '../findings/model.js';
import { awsErrorName } from '../aws/errors.js';
import { defineKindEvidence, withoutMetadata } from './collector.js';

/** Every page of an IAM list (`Marker`/`IsTruncated`), items concatenated. */
async function allPages<T, O extends { IsTruncated?: boolean | undefined; Marker?: string | undefined }>(
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
function decodeDocument(document: string | undefined): unknown {
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
const MANAGED_POLICY_READS = {
  sid: 'ReadManagedPolicyDocuments',
  resources: ['arn:${partition}:iam::*:policy/*'],
  why: 'Evidence of an IAM user includes the documents of its attached managed policies, AWS-managed ones included (account `aws`).',
};

export const iamUserEvidence = defineKindEvidence<IamUserResource>({
  type: 'iam-user',
  permissions: [
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
  ],
  scoping: { 'iam:GetPolicy': [MANAGED_POLICY_READS], 'iam:GetPolicyVersion': [MANAGED_POLICY_READS] },
  steps: [
    {
      name: 'iam/user.json',
      collect: async (ctx, user) =>
        withoutMetadata(
          await ctx.call('iam:GetUser', () => ctx.clients.iam.getUser({ UserName: user.userName })),
        ),
    },
    {
      name: 'iam/inline-policies.json',
      collect: async (ctx, user) => {
        const names = await allPages(
          (Marker) =>
            ctx.call('iam:ListUserPolicies', () =>
              ctx.clients.iam.listUserPolicies({ UserName: user.userName, ...(Marker ? { Marker } : {}) }),
            ),
          (o) => o.PolicyNames,
        );
        const policies = [];
        for (const PolicyName of names) {
          const policy = await ctx.call('iam:GetUserPolicy', () =>
            ctx.clients.iam.getUserPolicy({ UserName: user.userName, PolicyName }),
          );
          policies.push({ PolicyName, PolicyDocument: decodeDocument(policy.PolicyDocument) });
        }
        return { UserName: user.userName, Policies: policies };
      },
    },
    {
      name: 'iam/attached-policies.json',
      collect: async (ctx, user) => {
        const attached = await allPages(
          (Marker) =>
            ctx.call('iam:ListAttachedUserPolicies', () =>
              ctx.clients.iam.listAttachedUserPolicies({
                UserName: user.userName,
                ...(Marker ? { Marker } : {}),
              }),
            ),
          (o) => o.AttachedPolicies,
        );
        const policies = [];
        for (const { PolicyArn, PolicyName } of attached) {
          if (PolicyArn === undefined) continue;
          const policy = await ctx.call('iam:GetPolicy', () => ctx.clients.iam.getPolicy({ PolicyArn }));
          const VersionId = policy.Policy?.DefaultVersionId;
          const version =
            VersionId === undefined
              ? undefined
              : await ctx.call('iam:GetPolicyVersion', () =>
                  ctx.clients.iam.getPolicyVersion({ PolicyArn, VersionId }),
                );
          policies.push({
            PolicyArn,
            PolicyName,
            DefaultVersionId: VersionId ?? null,
            PolicyDocument: decodeDocument(version?.PolicyVersion?.Document),
          });
        }
        return { UserName: user.userName, AttachedPolicies: policies };
      },
    },
    {
      name: 'iam/groups.json',
      collect: async (ctx, user) => ({
        UserName: user.userName,
        Groups: await allPages(
          (Marker) =>
            ctx.call('iam:ListGroupsForUser', () =>
              ctx.clients.iam.listGroupsForUser({ UserName: user.userName, ...(Marker ? { Marker } : {}) }),
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
              ctx.clients.iam.listAccessKeys({ UserName: user.userName, ...(Marker ? { Marker } : {}) }),
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
        return { UserName: user.userName, AccessKeys: withLastUse };
      },
    },
    {
      name: 'iam/mfa-devices.json',
      collect: async (ctx, user) => ({
        UserName: user.userName,
        MFADevices: await allPages(
          (Marker) =>
            ctx.call('iam:ListMFADevices', () =>
              ctx.clients.iam.listMFADevices({ UserName: user.userName, ...(Marker ? { Marker } : {}) }),
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
              ctx.clients.iam.getLoginProfile({ UserName: user.userName }),
            ),
          );
        } catch (error) {
          // No console password is a fact, not a failure (the isolation may have deleted it: see the decision).
          if (awsErrorName(error) === 'NoSuchEntityException' || awsErrorName(error) === 'NoSuchEntity') {
            return { UserName: user.userName, LoginProfile: null };
          }
          throw error;
        }
      },
    },
  ],
});
