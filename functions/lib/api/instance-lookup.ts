/**
 * `GET /resources/instances`: resolve a Name tag to the instances that carry it, in a member account, so the
 * request form can show the match before anything is requested.
 *
 * The API runs in the security account and has no read access to member accounts. It assumes the member
 * accounts' lookup role (terraform/modules/member-role, `lookup_role_enabled`), which allows only
 * `ec2:DescribeInstances` and trusts only the API's role, in the organisation, with the ExternalId. It never
 * assumes the member (containment) role. The session is named after the caller, so CloudTrail in the member
 * account shows who looked.
 *
 * Loaded on first use (handler.ts): its code stays out of the API's cold start.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Instance, Reservation } from '@aws-sdk/client-ec2';
import { CordonError, LookupUnavailableError } from '../errors.js';
import { memberRoleArn } from '../kernel/arn.js';
import { awsClientConfig } from '../aws/client-config.js';
import type { InstrumentableClient } from '../aws/command-recorder.js';
import { classifyAwsError } from '../aws/errors.js';
import { sdk } from '../aws/sdk.js';
import { MAX_INSTANCE_MATCHES, type InstanceLookupQuery, type InstanceMatchesView } from './contract.js';

export interface InstanceLookupOptions {
  /** The lookup role's name in every member account. */
  roleName: string;
  /** The ExternalId the lookup role's trust requires (the deployment's member ExternalId). */
  externalId?: string;
  /** Endpoint override (the emulator in tests and the sandbox). */
  endpoint?: string;
  /** Credentials for STS in the security account; absent: the SDK's default chain (the Lambda's role). */
  securityCredentials?: AwsCredentialIdentity;
  maxAttempts?: number;
  /** Sees every SDK client built, e.g. to inject a fault in tests. */
  instrument?: (client: InstrumentableClient) => void;
}

/** Look a Name tag up; `caller` (the signed-in username) names the STS session. */
export type InstanceFinder = (query: InstanceLookupQuery, caller: string) => Promise<InstanceMatchesView>;

/** States in which an instance can still be contained: terminated ones are never offered. */
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/** `cordon-lookup-<caller>`, made valid for STS (64 characters of `[\w+=,.@-]`). */
export function lookupSessionName(caller: string): string {
  return `cordon-lookup-${caller}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Create the finder; each call assumes the lookup role (15 minutes, the minimum) and describes instances once. */
export function createInstanceFinder(options: InstanceLookupOptions): InstanceFinder {
  const { roleName, externalId, endpoint, securityCredentials, maxAttempts, instrument } = options;
  return async (query, caller) => {
    const { account, region, name } = query;
    const roleArn = memberRoleArn(region, account, roleName);
    const base = awsClientConfig({ region, endpoint, maxAttempts });
    const sts = (await sdk.sts()).create(
      securityCredentials ? { ...base, credentials: securityCredentials } : base,
    );
    instrument?.(sts);
    let credentials: AwsCredentialIdentity;
    try {
      const out = await sts.assumeRole({
        RoleArn: roleArn,
        RoleSessionName: lookupSessionName(caller),
        DurationSeconds: 900,
        ...(externalId === undefined ? {} : { ExternalId: externalId }),
      });
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new CordonError(`AssumeRole ${roleArn} returned no credentials`);
      }
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
    } catch (error) {
      const { kind, code } = classifyAwsError(error);
      throw new LookupUnavailableError(
        kind === 'access-denied'
          ? `cordon could not assume the lookup role ${roleArn} (${code}): it is not deployed in account ` +
              `${account}, or does not trust the API's role. Deploy it with the member-role module's ` +
              'lookup_role_enabled = true, or enter the instance id.'
          : `cordon could not assume the lookup role ${roleArn} (${code}); try again, or enter the instance id.`,
        { cause: error },
      );
    }
    const ec2 = (await sdk.ec2()).create({ ...base, credentials });
    instrument?.(ec2);
    let reservations: Reservation[];
    let more: boolean;
    try {
      // One page of at most MAX + 1 instances: enough to say "there are more" without reading them all.
      const out = await ec2.describeInstances({
        Filters: [
          { Name: 'tag:Name', Values: [name] },
          { Name: 'instance-state-name', Values: LIVE_STATES },
        ],
        MaxResults: MAX_INSTANCE_MATCHES + 1,
      });
      reservations = out.Reservations ?? [];
      more = out.NextToken !== undefined && out.NextToken !== '';
    } catch (error) {
      const { kind, code } = classifyAwsError(error);
      throw new LookupUnavailableError(
        kind === 'access-denied'
          ? `The lookup role ${roleArn} may not call ec2:DescribeInstances (${code}): redeploy it from the ` +
              'member-role module, or enter the instance id.'
          : `ec2:DescribeInstances failed in ${account} ${region} (${code}); try again, or enter the instance id.`,
        { cause: error },
      );
    }
    const found = reservations.flatMap((r) => r.Instances ?? []).map(matchView);
    // The filter is EC2's; the exact comparison is cordon's, so a name is never matched loosely.
    const exact = found.filter(
      (i) => i.instanceId !== '' && i.name === name && LIVE_STATES.includes(i.state),
    );
    exact.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return {
      accountId: account,
      region,
      name,
      instances: exact.slice(0, MAX_INSTANCE_MATCHES),
      truncated: more || exact.length > MAX_INSTANCE_MATCHES,
    };
  };
}

function matchView(instance: Instance): InstanceMatchesView['instances'][number] {
  const tags: Record<string, string> = {};
  for (const t of instance.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return {
    instanceId: instance.InstanceId ?? '',
    name: tags['Name'] ?? '',
    state: instance.State?.Name ?? 'unknown',
    ...(instance.VpcId ? { vpcId: instance.VpcId } : {}),
    ...(instance.SubnetId ? { subnetId: instance.SubnetId } : {}),
    ...(instance.PrivateIpAddress ? { privateIpAddress: instance.PrivateIpAddress } : {}),
    ...(instance.LaunchTime ? { launchTime: instance.LaunchTime.toISOString() } : {}),
    tags,
  };
}
