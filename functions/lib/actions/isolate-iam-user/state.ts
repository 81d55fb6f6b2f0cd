/**
 * `isolate-iam-user`: the user's recorded state and the step that captures it, shared by apply and release.
 *
 * The capture also classifies the user's credentials against the incident window: from the finding's first
 * activity minus the policy's margin, to the isolation. A credential created inside it may be the attacker's
 * persistence (a key, an MFA device, a password, an SSH key or a signing certificate made after gaining
 * access), so it is listed as `createdDuringIncident` and release does not bring it back unless named.
 */
import type { IAM } from '@aws-sdk/client-iam';
import * as z from 'zod';
import type { IamUserResource } from '../../findings/model.js';
import { DENY_ALL_POLICY_NAME, tagRecord } from '../../aws/iam-policies.js';
import { unlessNotFound } from '../../aws/errors.js';
import { checkGuards } from '../guards.js';
import { awsCall, type StepOutcome, type StepSpec } from '../steps.js';

/** Kinds of credential the incident window looks at. */
export const INCIDENT_ITEM_KINDS = [
  'access-key',
  'mfa-device',
  'login-profile',
  'ssh-public-key',
  'signing-certificate',
] as const;
export type IncidentItemKind = (typeof INCIDENT_ITEM_KINDS)[number];

/** A credential created inside the incident window. */
export interface IncidentItem {
  kind: IncidentItemKind;
  /** Access key id, MFA serial number, SSH key id, certificate id, or the user name for the login profile. */
  id: string;
  createdAt: string;
}

/** What apply records about the user before changing it; release reads it. */
export interface IamUserBefore {
  userName: string;
  arn?: string;
  accessKeys: { accessKeyId: string; status: string }[];
  consolePassword: boolean;
  sshPublicKeys: { id: string; status: string }[];
  signingCertificates: { id: string; status: string }[];
  mfaDevices: string[];
  /** Set when apply deleted the console password (`removeConsoleAccess`): release cannot restore it. */
  consolePasswordDeletedAt?: string;
  /** The window credentials were classified against; absent when the isolation had no finding to date it. */
  incidentWindow?: { from: string; to: string };
  /** Credentials created inside the window: release leaves them as they are unless the releaser names them. */
  createdDuringIncident?: IncidentItem[];
}

const credentialSchema = z.object({ id: z.string(), status: z.string() });
const incidentItemSchema = z.object({
  kind: z.enum(INCIDENT_ITEM_KINDS),
  id: z.string(),
  createdAt: z.string(),
});
/** The stored `iamUser` before-state, parsed rather than cast: it comes back from the table. */
const iamUserBeforeSchema = z.object({
  userName: z.string(),
  arn: z.string().optional(),
  accessKeys: z.array(z.object({ accessKeyId: z.string(), status: z.string() })),
  consolePassword: z.boolean(),
  sshPublicKeys: z.array(credentialSchema),
  signingCertificates: z.array(credentialSchema),
  mfaDevices: z.array(z.string()),
  consolePasswordDeletedAt: z.string().optional(),
  incidentWindow: z.object({ from: z.string(), to: z.string() }).optional(),
  createdDuringIncident: z.array(incidentItemSchema).optional(),
});

/** The recorded user, or undefined when apply recorded none (or something cordon does not recognise). */
export function recordedUser(before: Readonly<Record<string, unknown>>): IamUserBefore | undefined {
  const parsed = iamUserBeforeSchema.safeParse(before['iamUser']);
  if (!parsed.success) return undefined;
  const { arn, consolePasswordDeletedAt, incidentWindow, createdDuringIncident, ...rest } = parsed.data;
  return {
    ...rest,
    ...(arn === undefined ? {} : { arn }),
    ...(consolePasswordDeletedAt === undefined ? {} : { consolePasswordDeletedAt }),
    ...(incidentWindow === undefined ? {} : { incidentWindow }),
    ...(createdDuringIncident === undefined ? {} : { createdDuringIncident }),
  };
}

/** Before-state key of the managed-policy fallback: set only when cordon attached `AWSDenyAll` itself. */
export const MANAGED_DENY_ALL_KEY = 'managedDenyAll';

export function recordedManagedDenyAll(before: Readonly<Record<string, unknown>>): string | undefined {
  const value = before[MANAGED_DENY_ALL_KEY];
  return typeof value === 'object' &&
    value !== null &&
    'policyArn' in value &&
    typeof value.policyArn === 'string'
    ? value.policyArn
    : undefined;
}

/** The before-state of `isolate-iam-user`: the user (once captured) and the managed-policy fallback, if used. */
export const isolateIamUserBeforeSchema = z.object({
  iamUser: iamUserBeforeSchema.optional(),
  managedDenyAll: z.object({ policyArn: z.string() }).optional(),
});

export interface ApplyWork {
  user: IamUserResource;
  tags: Record<string, string>;
  activeKeyIds: string[];
  hasPassword: boolean;
  /** Active SSH public keys and signing certificates created during the incident: deactivated by apply. */
  incidentSshKeyIds: string[];
  incidentCertificateIds: string[];
  /** Settles when this run's deny-all write settles: true when this run wrote the policy. */
  policyWritten?: Promise<boolean>;
  /** Resolves with the live guard verdict (true: allowed) once the state read has checked it. */
  guardAllowed: Promise<boolean>;
  settleGuard: (allowed: boolean) => void;
}

/** ISO text of an SDK date, or undefined. */
function iso(date: Date | undefined): string | undefined {
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** One-line list of incident items for step details, record notes and warnings. */
export function describeIncidentItems(items: readonly IncidentItem[]): string {
  return items.map((i) => `${i.kind} ${i.id} (created ${i.createdAt})`).join(', ');
}

/** The step that reads the user's state, checks the live guards and records the before-state. */
export function captureStep(): StepSpec<ApplyWork> {
  return {
    name: 'capture-user-state',
    // The deny-all of the same stage waits for the claim; the reads leave with it, so it never waits for a write of
    // the before-state they capture (which only the next stage's changes need).
    afterClaim: true,
    async run({ work, before: earlier, ctx }): Promise<StepOutcome> {
      const iam: IAM = ctx.clients.iam;
      const resource = work.user;
      const UserName = resource.userName;
      const [user, keys, login, ssh, certs, mfa] = await Promise.all([
        awsCall('iam:GetUser', () => iam.getUser({ UserName })),
        awsCall('iam:ListAccessKeys', () => iam.listAccessKeys({ UserName })),
        awsCall('iam:GetLoginProfile', () => unlessNotFound(iam.getLoginProfile({ UserName }))),
        awsCall('iam:ListSSHPublicKeys', () => iam.listSSHPublicKeys({ UserName })),
        awsCall('iam:ListSigningCertificates', () => iam.listSigningCertificates({ UserName })),
        awsCall('iam:ListMFADevices', () => iam.listMFADevices({ UserName })),
      ]).catch((error: unknown) => {
        // No verdict without the read: the managed-policy fallback must not wait forever, nor attach.
        work.settleGuard(false);
        throw error;
      });
      const tags = tagRecord(user.User?.Tags);
      const arn = user.User?.Arn ?? resource.arn;
      const verdict = checkGuards({ ...resource, ...(arn ? { arn } : {}) }, ctx.guard, tags);
      // Before awaiting the parallel write: its managed-policy fallback waits for this verdict.
      work.settleGuard(verdict.allowed);
      if (!verdict.allowed) {
        // The deny-all sent alongside this read spares exempt and protected principals by its own
        // condition, so it never denied them anything; remove it so the refused user is left untouched.
        const written = await (work.policyWritten ?? Promise.resolve(false));
        if (written) {
          await awsCall('iam:DeleteUserPolicy', () =>
            unlessNotFound(iam.deleteUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
          );
        }
        const cleanup = written ? ` (removed the conditional ${DENY_ALL_POLICY_NAME} sent in parallel)` : '';
        return { status: 'skipped', detail: `refused: ${verdict.reason}${cleanup}`, halt: true };
      }

      const accessKeys = (keys.AccessKeyMetadata ?? []).map((k) => ({
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Unknown',
        createdAt: iso(k.CreateDate),
      }));
      const sshKeys = (ssh.SSHPublicKeys ?? []).map((k) => ({
        id: k.SSHPublicKeyId ?? '',
        status: k.Status ?? 'Unknown',
        createdAt: iso(k.UploadDate),
      }));
      const certificates = (certs.Certificates ?? []).map((c) => ({
        id: c.CertificateId ?? '',
        status: c.Status ?? 'Unknown',
        createdAt: iso(c.UploadDate),
      }));
      const mfaDevices = (mfa.MFADevices ?? []).map((d) => ({
        id: d.SerialNumber ?? '',
        createdAt: iso(d.EnableDate),
      }));
      const password = login?.LoginProfile;

      // Window: [first activity − margin, now]. Everything the read returned exists at the isolation, so
      // "inside" is "created at or after the start"; an undated credential is not claimed either way.
      const from = ctx.incidentWindowStart;
      const inside = (createdAt: string | undefined): createdAt is string =>
        from !== undefined && createdAt !== undefined && Date.parse(createdAt) >= Date.parse(from);
      const incident: IncidentItem[] = [
        ...accessKeys.flatMap((k) =>
          inside(k.createdAt)
            ? [{ kind: 'access-key' as const, id: k.accessKeyId, createdAt: k.createdAt }]
            : [],
        ),
        ...mfaDevices.flatMap((d) =>
          inside(d.createdAt) ? [{ kind: 'mfa-device' as const, id: d.id, createdAt: d.createdAt }] : [],
        ),
        ...(password !== undefined && inside(iso(password.CreateDate))
          ? [{ kind: 'login-profile' as const, id: UserName, createdAt: iso(password.CreateDate) ?? '' }]
          : []),
        ...sshKeys.flatMap((k) =>
          inside(k.createdAt) ? [{ kind: 'ssh-public-key' as const, id: k.id, createdAt: k.createdAt }] : [],
        ),
        ...certificates.flatMap((c) =>
          inside(c.createdAt)
            ? [{ kind: 'signing-certificate' as const, id: c.id, createdAt: c.createdAt }]
            : [],
        ),
      ];

      work.tags = tags;
      work.activeKeyIds = accessKeys.filter((k) => k.status === 'Active').map((k) => k.accessKeyId);
      work.hasPassword = login !== undefined;
      work.incidentSshKeyIds = sshKeys
        .filter((k) => k.status === 'Active' && inside(k.createdAt))
        .map((k) => k.id);
      work.incidentCertificateIds = certificates
        .filter((c) => c.status === 'Active' && inside(c.createdAt))
        .map((c) => c.id);
      const before: IamUserBefore = {
        userName: UserName,
        ...(arn ? { arn } : {}),
        accessKeys: accessKeys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })),
        consolePassword: work.hasPassword,
        sshPublicKeys: sshKeys.map((k) => ({ id: k.id, status: k.status })),
        signingCertificates: certificates.map((c) => ({ id: c.id, status: c.status })),
        mfaDevices: mfaDevices.map((d) => d.id),
        ...(from === undefined
          ? {}
          : { incidentWindow: { from, to: ctx.now().toISOString() }, createdDuringIncident: incident }),
      };
      const window =
        from === undefined
          ? '; no incident window (the isolation has no finding that dates the activity)'
          : incident.length > 0
            ? `; created during the incident (since ${from}): ${describeIncidentItems(incident)}`
            : `; nothing created during the incident (since ${from})`;
      const summary =
        `${accessKeys.length} access key(s) (${work.activeKeyIds.length} active), ` +
        `console password ${work.hasPassword ? 'set' : 'not set'}, ${sshKeys.length} SSH key(s), ` +
        `${certificates.length} signing certificate(s), ${mfaDevices.length} MFA device(s)${window}`;
      // A re-run keeps the first capture (the step runner never overwrites before-state): the keys it saw
      // as Active are the ones release must bring back, even though they are Inactive by now.
      if (recordedUser(earlier) !== undefined) {
        return {
          status: 'skipped',
          detail: `state already recorded by an earlier run; live: ${summary}`,
        };
      }
      const warnings =
        incident.length > 0
          ? [
              `credentials of ${UserName} created during the incident may be the attacker's: ${describeIncidentItems(incident)}. Release leaves them as they are; review and delete them.`,
            ]
          : [];
      return {
        status: 'done',
        detail: `recorded ${UserName}: ${summary}`,
        before: { iamUser: before },
        warnings,
      };
    },
  };
}
