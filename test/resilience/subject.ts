/**
 * A resilience subject: how the resilience suite (test/resilience) makes a fresh resource for one action and the
 * event that makes the policy contain it. Each action's scenarios file (test/actions/scenarios/) exports one as
 * `subject`; test/resilience/support.ts finds them by file name.
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { unique } from '../pipeline/support.js';
import type { ResilienceWorld } from './support.js';

export interface ActionSubject {
  action: string;
  /**
   * The rule the suite's policy adds for this action when the benchmark policy (bench/lib/scenario.ts) has none:
   * the finding type of the subject's event and the resource type, contained automatically.
   */
  rule?: { type: string; resourceType: string };
  /** Create the resource in moto; returns the event about it and the resource's id. */
  create(world: ResilienceWorld): Promise<{ event: Record<string, unknown>; resourceId: string }>;
}

/** An IAM user with an inline policy and one active access key. */
export async function resilienceUser(iam: IAMClient): Promise<{ userName: string; accessKeyId: string }> {
  const userName = unique('rs-user');
  await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'app',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return { userName, accessKeyId: key.AccessKey?.AccessKeyId ?? '' };
}

/** A role EC2 may assume. */
export async function resilienceRole(iam: IAMClient): Promise<string> {
  const roleName = unique('rs-role');
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  return roleName;
}
