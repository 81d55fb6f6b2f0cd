/**
 * What the pipeline needs in a local emulator (table, topic, member role), created idempotently: in AWS,
 * Terraform creates them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { awsClientConfig } from '../functions/lib/aws/client-config.js';
import { ensureIsolationTable } from '../functions/lib/store/table.js';
import { iamArn } from '../functions/lib/kernel/arn.js';

/** What {@link bootstrapEmulator} created or found. */
export interface EmulatorResources {
  tableName: string;
  topicArn: string;
  memberRoleArn: string;
}

/**
 * Create the table, the topic and the member role in a local emulator (idempotent).
 * @param options.endpoint the emulator's URL; credentials are dummies (emulators accept any).
 */
export async function bootstrapEmulator(options: {
  endpoint: string;
  region: string;
  tableName: string;
  topicName: string;
  memberRoleName: string;
  securityAccountId: string;
}): Promise<EmulatorResources> {
  const config = {
    ...awsClientConfig({ region: options.region, endpoint: options.endpoint, maxAttempts: 2 }),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  await ensureIsolationTable(new DynamoDBClient(config), options.tableName);
  const topic = await new SNSClient(config).send(new CreateTopicCommand({ Name: options.topicName }));
  const iam = new IAMClient(config);
  let memberRoleArn: string;
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: options.memberRoleName }));
    memberRoleArn = role.Role?.Arn ?? '';
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NoSuchEntityException') throw error;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: options.memberRoleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: iamArn(options.region, options.securityAccountId, 'root') },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    memberRoleArn = created.Role?.Arn ?? '';
  }
  return { tableName: options.tableName, topicArn: topic.TopicArn ?? '', memberRoleArn };
}
