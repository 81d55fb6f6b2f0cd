/** Test support: seed IAM principals in moto and read back the state the IAM actions change. */
import {
  CreateAccessKeyCommand,
  ListSSHPublicKeysCommand,
  ListSigningCertificatesCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { parsePolicyDocument } from '../../../functions/lib/aws/iam-policies.js';
import type {
  IamAccessKeyResource,
  IamRoleResource,
  IamUserResource,
} from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';

const CUSTOMER_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});

export interface SeededUser {
  userName: string;
  activeKeyId: string;
  inactiveKeyId: string;
}

/** A user with one active and one inactive key, a console password, a customer policy and a tag. */
export async function seedUser(
  iam: IAMClient,
  userName = 'alice',
  tags: Record<string, string> = { team: 'payments' },
): Promise<SeededUser> {
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const active = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const inactive = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const activeKeyId = active.AccessKey?.AccessKeyId ?? '';
  const inactiveKeyId = inactive.AccessKey?.AccessKeyId ?? '';
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: inactiveKeyId, Status: 'Inactive' }),
  );
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Correct-Horse-9!' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'customer-read',
      PolicyDocument: CUSTOMER_POLICY,
    }),
  );
  return { userName, activeKeyId, inactiveKeyId };
}

/** A role with a customer inline policy and AWS's own console revoke policy. */
export async function seedRole(iam: IAMClient, roleName = 'app-role', path = '/'): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      Path: path,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
      Tags: [{ Key: 'team', Value: 'payments' }],
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'customer-read',
      PolicyDocument: CUSTOMER_POLICY,
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'AWSRevokeOlderSessions',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00.000Z' } },
          },
        ],
      }),
    }),
  );
}

export interface UserState {
  keys: Record<string, string>;
  policies: string[];
  /** ARNs of the attached managed policies. */
  attached: string[];
  tags: Record<string, string>;
  password: boolean;
}

/** Keys (id → status), inline and attached policies, tags and password presence of a user. */
export async function userState(iam: IAMClient, userName: string): Promise<UserState> {
  const [keys, policies, attached, tags, password] = await Promise.all([
    iam.send(new ListAccessKeysCommand({ UserName: userName })),
    iam.send(new ListUserPoliciesCommand({ UserName: userName })),
    iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName })),
    iam.send(new ListUserTagsCommand({ UserName: userName })),
    iam.send(new GetLoginProfileCommand({ UserName: userName })).then(
      () => true,
      (error: unknown) => {
        if (error instanceof Error && error.name.startsWith('NoSuchEntity')) return false;
        throw error;
      },
    ),
  ]);
  return {
    keys: Object.fromEntries(
      (keys.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']),
    ),
    policies: [...(policies.PolicyNames ?? [])].sort(),
    attached: (attached.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? '').sort(),
    tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    password,
  };
}

export async function userPolicy(iam: IAMClient, userName: string, policyName: string): Promise<unknown> {
  const out = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
  return parsePolicyDocument(out.PolicyDocument);
}

export interface RoleState {
  policies: string[];
  tags: Record<string, string>;
}

export async function roleState(iam: IAMClient, roleName: string): Promise<RoleState> {
  const [policies, tags] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: roleName })),
    iam.send(new ListRoleTagsCommand({ RoleName: roleName })),
  ]);
  return {
    policies: [...(policies.PolicyNames ?? [])].sort(),
    tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

export async function rolePolicy(iam: IAMClient, roleName: string, policyName: string): Promise<unknown> {
  const out = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
  return parsePolicyDocument(out.PolicyDocument);
}

export function userResource(userName: string, tags: Record<string, string> = {}): IamUserResource {
  return { type: 'iam-user', id: userName, userName, accountId: TEST_ACCOUNT, region: 'us-east-1', tags };
}

export function accessKeyResource(userName: string, accessKeyId: string): IamAccessKeyResource {
  return {
    type: 'iam-access-key',
    id: accessKeyId,
    accessKeyId,
    userName,
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags: {},
  };
}

export function roleResource(roleName: string, arn?: string): IamRoleResource {
  return {
    type: 'iam-role',
    id: roleName,
    roleName,
    ...(arn ? { arn } : {}),
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags: {},
  };
}

/** A self-signed test certificate (moto parses signing certificates); upload it once per emulator. */
const TEST_CERTIFICATE = [
  '-----BEGIN CERTIFICATE-----',
  'MIICCDCCAXGgAwIBAgIUNAsA7L5gzBJEmO5LA2A8F8RHOc8wDQYJKoZIhvcNAQEL',
  'BQAwFjEUMBIGA1UEAwwLY29yZG9uLXRlc3QwHhcNMjYxMjA1MDUyOTU4WhcNMzYx',
  'MjAyMDUyOTU4WjAWMRQwEgYDVQQDDAtjb3Jkb24tdGVzdDCBnzANBgkqhkiG9w0B',
  'AQEFAAOBjQAwgYkCgYEA4Qneq9qssr3+s7rD9EUtJa6YxrxzCEiEMl8ZiBbNdwqH',
  'o2Cs71roFGPCREEVPMfZfck7D9jscXakpnTfmLxYeaIu3yaOKTfy6/0CUVU5hSGD',
  'e6akl6SjPE96FH/1Q6X0fMnE80sjHwB1F6fhlSgRJM/0MuwUnoavVx3CgH/Xz3EC',
  'AwEAAaNTMFEwHQYDVR0OBBYEFFmdmeBdvhVabdVKnllxcBl3xyShMB8GA1UdIwQY',
  'MBaAFFmdmeBdvhVabdVKnllxcBl3xyShMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZI',
  'hvcNAQELBQADgYEAmF9id/F2XJCZ9bpkGk3a16rmVd0qatUHoYD8mqG5X3M6EPZN',
  'MLjEx8413CdXWEOL+ysJ9+O+m3t6yFLRMqFEv+lXi92DMhS2mL956DSVoW/sEK/o',
  'lPYcKNLbqlOVGZv185X0pgGj4uUzVGEAevuNjF9iQO+EE0/VCcVJHNJt67c=',
  '-----END CERTIFICATE-----',
].join('\n');

/** The latest creation time among a user's keys, SSH keys and certificates, as epoch milliseconds. */
export async function latestCredentialTime(iam: IAMClient, userName: string): Promise<number> {
  const [keys, ssh, certs] = await Promise.all([
    iam.send(new ListAccessKeysCommand({ UserName: userName })),
    iam.send(new ListSSHPublicKeysCommand({ UserName: userName })),
    iam.send(new ListSigningCertificatesCommand({ UserName: userName })),
  ]);
  const times = [
    ...(keys.AccessKeyMetadata ?? []).map((k) => k.CreateDate?.getTime() ?? 0),
    ...(ssh.SSHPublicKeys ?? []).map((k) => k.UploadDate?.getTime() ?? 0),
    ...(certs.Certificates ?? []).map((c) => c.UploadDate?.getTime() ?? 0),
  ];
  return Math.max(0, ...times);
}

export interface AttackerCredentials {
  accessKeyId: string;
  sshPublicKeyId: string;
  certificateId?: string;
}

/**
 * What an attacker adds for persistence after getting in: an access key and an SSH public key, and a signing
 * certificate when `withCertificate` (the test certificate can be uploaded once per emulator).
 */
export async function seedAttackerCredentials(
  iam: IAMClient,
  userName: string,
  options: { withCertificate?: boolean } = {},
): Promise<AttackerCredentials> {
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const ssh = await iam.send(
    new UploadSSHPublicKeyCommand({
      UserName: userName,
      SSHPublicKeyBody: `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${userName.replace(/[^A-Za-z0-9]/g, '')} attacker@host`,
    }),
  );
  const cert = options.withCertificate
    ? await iam.send(
        new UploadSigningCertificateCommand({ UserName: userName, CertificateBody: TEST_CERTIFICATE }),
      )
    : undefined;
  return {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    sshPublicKeyId: ssh.SSHPublicKey?.SSHPublicKeyId ?? '',
    ...(cert?.Certificate?.CertificateId === undefined
      ? {}
      : { certificateId: cert.Certificate.CertificateId }),
  };
}

/** Status of each SSH public key and signing certificate of a user (id → status). */
export async function otherCredentials(iam: IAMClient, userName: string): Promise<Record<string, string>> {
  const [ssh, certs] = await Promise.all([
    iam.send(new ListSSHPublicKeysCommand({ UserName: userName })),
    iam.send(new ListSigningCertificatesCommand({ UserName: userName })),
  ]);
  return Object.fromEntries([
    ...(ssh.SSHPublicKeys ?? []).map((k) => [k.SSHPublicKeyId ?? '', k.Status ?? '']),
    ...(certs.Certificates ?? []).map((c) => [c.CertificateId ?? '', c.Status ?? '']),
  ]);
}
