/**
 * Cross-account clients: cordon assumes `arn:<partition>:iam::<account>:role/<memberRoleName>` in the finding's
 * region and hands actions a {@link MemberClients} signed with that session.
 *
 * Credentials are cached per account + region and refreshed 5 minutes before they expire, so a burst of
 * findings in one account costs one AssumeRole. Concurrent callers share one in-flight AssumeRole. The
 * session name is `cordon-<isolationId>` of the call that (re)assumed the role, so CloudTrail ties the
 * member-account calls to an isolation; with the cache, later isolations in the same account and region
 * reuse that session until it is refreshed.
 */
import type { STS } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ConfigurationError, CordonError, errorMessage } from '../errors.js';
import { awsClientConfig } from './client-config.js';
import type { InstrumentableClient } from './command-recorder.js';
import { AssumeRoleError, classifyAwsError } from './errors.js';
import { attachLeaseGuard } from './lease-guard.js';
import { lazy, sdk } from './sdk.js';
import {
  MEMBER_SERVICES,
  createMemberClient,
  type MemberClients,
  type MemberService,
} from './member-services.js';
import { memberRoleArn as buildMemberRoleArn } from '../kernel/arn.js';

export {
  MEMBER_SERVICES,
  servicesForPermissions,
  type MemberClients,
  type MemberService,
} from './member-services.js';

/** Refresh cached credentials this long before they expire, so no call is signed with nearly-dead keys. */
export const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** AWS's limit on RoleSessionName. */
export const MAX_SESSION_NAME_LENGTH = 64;

export interface MemberClientFactoryOptions {
  /** Name (not ARN) of the role cordon assumes in every member account. */
  memberRoleName: string;
  /** ExternalId the member role's trust policy requires, if any. */
  externalId?: string;
  /** Endpoint override for STS and the member clients (the emulator in tests and the sandbox). */
  endpoint?: string;
  /** Credentials for STS in the security account; absent: the SDK's default chain (the Lambda's role). */
  securityCredentials?: AwsCredentialIdentity;
  /** Bound on attempts per AWS call (SDK adaptive retry); default from {@link awsClientConfig}. */
  maxAttempts?: number;
  /** Requested session duration in seconds (900..3600; role chaining caps it at one hour). Default 3600. */
  durationSeconds?: number;
  /** Clock, for tests of the cache. */
  now?: () => Date;
  /**
   * Called with every SDK client the factory creates (STS and member clients), e.g. to attach a
   * {@link CommandRecorder} or a fault injector in tests and the benchmark.
   */
  instrument?: (client: InstrumentableClient) => void;
}

/** Code used a member client that was not loaded: its action does not declare a permission of that service. */
export class UndeclaredServiceError extends CordonError {
  constructor(service: MemberService, loaded: readonly MemberService[]) {
    super(
      `The ${service} member client was used but not requested (loaded: ${loaded.join(', ') || 'none'}). ` +
        `An action may only call services it declares permissions for: add the ${service} permission it needs.`,
    );
  }
}

/**
 * Member-account clients for one account and region; `isolationId` names the STS session. `services` limits
 * which SDK clients are loaded (default: all); using any other one throws {@link UndeclaredServiceError}.
 */
export type MemberClientFactory = (
  accountId: string,
  region: string,
  isolationId: string,
  services?: readonly MemberService[],
) => Promise<MemberClients>;

const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;

/**
 * `cordon-<isolationId>` made valid for STS: characters outside `[\w+=,.@-]` become `-`, and the result is
 * cut to 64 characters.
 */
export function sessionNameFor(isolationId: string): string {
  return `cordon-${isolationId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, MAX_SESSION_NAME_LENGTH);
}

/** The member role's ARN in an account, in the partition of the region cordon works in. */
export function memberRoleArn(accountId: string, memberRoleName: string, region: string): string {
  return buildMemberRoleArn(region, accountId, memberRoleName);
}

interface CacheEntry {
  credentials?: AwsCredentialIdentity;
  /** In-flight AssumeRole shared by concurrent callers. */
  pending?: Promise<AwsCredentialIdentity>;
  /** Clients built so far for this account and region, one per service. */
  clients: Partial<MemberClients>;
  /** One {@link MemberClients} view per requested service set, so callers get the same object each time. */
  views: Map<string, MemberClients>;
}

/** A {@link MemberClients} view of the loaded clients; the others throw {@link UndeclaredServiceError}. */
function clientsView(loaded: Partial<MemberClients>, services: readonly MemberService[]): MemberClients {
  const view = {} as MemberClients;
  for (const service of MEMBER_SERVICES) {
    Object.defineProperty(view, service, {
      enumerable: true,
      get: () => {
        const client = services.includes(service) ? loaded[service] : undefined;
        if (client === undefined) throw new UndeclaredServiceError(service, services);
        return client;
      },
    });
  }
  return view;
}

/**
 * Create the factory the isolation worker uses to get clients for a member account.
 * @throws ConfigurationError for an invalid role name, ExternalId or duration.
 */
export function createMemberClientFactory(options: MemberClientFactoryOptions): MemberClientFactory {
  const { memberRoleName, externalId, endpoint, securityCredentials, maxAttempts, instrument } = options;
  const now = options.now ?? (() => new Date());
  const durationSeconds = options.durationSeconds ?? 3600;
  if (!ROLE_NAME_PATTERN.test(memberRoleName)) {
    throw new ConfigurationError(`Invalid member role name "${memberRoleName}": expected an IAM role name.`);
  }
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    throw new ConfigurationError('Invalid ExternalId: expected 2-1224 characters of [\\w+=,.@:/-].');
  }
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
    throw new ConfigurationError(`Invalid durationSeconds ${String(durationSeconds)}: expected 900..43200.`);
  }

  /** One STS client per region, built on first use; concurrent callers share the build. */
  const stsClients = new Map<string, () => Promise<STS>>();
  const cache = new Map<string, CacheEntry>();

  function stsFor(region: string): Promise<STS> {
    let sts = stsClients.get(region);
    if (!sts) {
      sts = lazy(async () => {
        const config = awsClientConfig({ region, endpoint, maxAttempts });
        const client = (await sdk.sts()).create(
          securityCredentials ? { ...config, credentials: securityCredentials } : config,
        );
        instrument?.(client);
        return client;
      });
      stsClients.set(region, sts);
    }
    return sts();
  }

  function fresh(credentials: AwsCredentialIdentity | undefined): credentials is AwsCredentialIdentity {
    if (!credentials) return false;
    // Credentials without an expiry (never from AssumeRole) are treated as valid.
    if (!credentials.expiration) return true;
    return credentials.expiration.getTime() - CREDENTIAL_REFRESH_MARGIN_MS > now().getTime();
  }

  async function assume(
    accountId: string,
    region: string,
    isolationId: string,
  ): Promise<AwsCredentialIdentity> {
    const roleArn = memberRoleArn(accountId, memberRoleName, region);
    try {
      const sts = await stsFor(region);
      const output = await sts.assumeRole({
        RoleArn: roleArn,
        RoleSessionName: sessionNameFor(isolationId),
        DurationSeconds: durationSeconds,
        ...(externalId !== undefined ? { ExternalId: externalId } : {}),
      });
      const c = output.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new AssumeRoleError(roleArn, `AssumeRole ${roleArn} returned no credentials`);
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (error) {
      if (error instanceof AssumeRoleError) throw error;
      const classified = classifyAwsError(error);
      const hint =
        classified.kind === 'access-denied'
          ? ` Check that ${roleArn} exists, trusts cordon's security-account role` +
            (externalId !== undefined ? ' with the configured ExternalId' : '') +
            ', and that cordon may call sts:AssumeRole on it.'
          : '';
      throw new AssumeRoleError(
        roleArn,
        `Could not assume ${roleArn} in ${region}: ${classified.code}: ${errorMessage(error)}.${hint}`,
        { cause: error },
      );
    }
  }

  async function credentialsFor(
    accountId: string,
    region: string,
    isolationId: string,
  ): Promise<AwsCredentialIdentity> {
    const entry = entryFor(accountId, region);
    if (fresh(entry.credentials)) return entry.credentials;
    if (!entry.pending) {
      entry.pending = assume(accountId, region, isolationId)
        .then((credentials) => {
          entry.credentials = credentials;
          return credentials;
        })
        .finally(() => {
          delete entry.pending;
        });
    }
    return entry.pending;
  }

  function entryFor(accountId: string, region: string): CacheEntry {
    const key = `${accountId}/${region}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = { clients: {}, views: new Map() };
      cache.set(key, entry);
    }
    return entry;
  }

  return async (accountId, region, isolationId, services = MEMBER_SERVICES) => {
    if (!ACCOUNT_PATTERN.test(accountId)) {
      throw new ConfigurationError(`Invalid member account id "${accountId}": expected 12 digits.`);
    }
    // Assume now, so a role that cannot be assumed fails here with a clear error, not inside a step.
    await credentialsFor(accountId, region, isolationId);
    const entry = entryFor(accountId, region);
    const missing = services.filter((service) => entry.clients[service] === undefined);
    if (missing.length > 0) {
      // The clients resolve credentials through the cache on every call, so they keep working across refreshes.
      const config = awsClientConfig({
        region,
        endpoint,
        maxAttempts,
        credentials: () => credentialsFor(accountId, region, isolationId),
      });
      await Promise.all(
        missing.map(async (service) => {
          const client = await createMemberClient(service, config);
          // A concurrent caller may have built the same client meanwhile: keep the first.
          if (entry.clients[service] === undefined) {
            // Every member-account command asks the running worker's lease first (see lease-guard.ts).
            attachLeaseGuard(client);
            instrument?.(client);
            Object.assign(entry.clients, { [service]: client });
          }
        }),
      );
    }
    const viewKey = services.join(',');
    let view = entry.views.get(viewKey);
    if (!view) {
      view = clientsView(entry.clients, services);
      entry.views.set(viewKey, view);
    }
    return view;
  };
}
