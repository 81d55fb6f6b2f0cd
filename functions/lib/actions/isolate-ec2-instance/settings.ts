/**
 * Reads of the instance's settings that isolation changes off the critical path: termination protection and
 * shutdown behaviour, and the instance-profile association (Auto Scaling and load balancers: auto-scaling.ts,
 * load-balancers.ts). Each returns the live state; the action records the first capture as before-state.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import { awsCall } from '../steps.js';

export interface TerminationSettings {
  disableApiTermination: boolean;
  shutdownBehavior: string;
}

export interface ProfileAssociation {
  associated: boolean;
  profileArn?: string;
  associationId?: string;
}

/** Both attributes, read in parallel (one attribute per DescribeInstanceAttribute call). */
export async function readTerminationSettings(ec2: EC2, instanceId: string): Promise<TerminationSettings> {
  const [termination, shutdown] = await Promise.all([
    awsCall('ec2:DescribeInstanceAttribute', () =>
      ec2.describeInstanceAttribute({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
    ),
    awsCall('ec2:DescribeInstanceAttribute', () =>
      ec2.describeInstanceAttribute({
        InstanceId: instanceId,
        Attribute: 'instanceInitiatedShutdownBehavior',
      }),
    ),
  ]);
  return {
    disableApiTermination: termination.DisableApiTermination?.Value ?? false,
    shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? 'stop',
  };
}

/** The instance's live instance-profile association (associating or associated), if any. */
export async function readProfileAssociation(ec2: EC2, instanceId: string): Promise<ProfileAssociation> {
  const out = await awsCall('ec2:DescribeIamInstanceProfileAssociations', () =>
    ec2.describeIamInstanceProfileAssociations({
      Filters: [
        { Name: 'instance-id', Values: [instanceId] },
        { Name: 'state', Values: ['associating', 'associated'] },
      ],
    }),
  );
  const association = out.IamInstanceProfileAssociations?.find(
    (a) => a.InstanceId === instanceId && (a.State === 'associated' || a.State === 'associating'),
  );
  if (!association?.IamInstanceProfile?.Arn) return { associated: false };
  return {
    associated: true,
    profileArn: association.IamInstanceProfile.Arn,
    associationId: association.AssociationId,
  };
}

/** Instance ids whose profile is one of `profileArns`, except `exceptInstanceId` (blast radius). */
export async function instancesUsingProfiles(
  ec2: EC2,
  profileArns: readonly string[],
  exceptInstanceId: string,
): Promise<string[]> {
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeIamInstanceProfileAssociations', () =>
      ec2.describeIamInstanceProfileAssociations({ NextToken: nextToken }),
    );
    for (const association of page.IamInstanceProfileAssociations ?? []) {
      const arn = association.IamInstanceProfile?.Arn;
      const state = association.State;
      if (
        association.InstanceId &&
        association.InstanceId !== exceptInstanceId &&
        arn &&
        profileArns.includes(arn) &&
        (state === 'associated' || state === 'associating')
      ) {
        ids.add(association.InstanceId);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...ids].sort();
}
