/**
 * Notifications carry the resource's owner and team (from configurable tag keys) as SNS message attributes, so an
 * application owner can subscribe with a filter policy and receive only their resources. The delivery test runs
 * SNS and SQS in moto, with a real filter policy.
 */
import { describe, expect, it } from 'vitest';
import { CreateTopicCommand, SNS, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { loadConfig } from '../../functions/lib/config.js';
import { SnsNotifier } from '../../functions/lib/report/notifier.js';
import { buildFindingNotification, buildNotification } from '../../functions/lib/report/notification.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import { finding, instance } from '../policy/support.js';

const moto = useMoto({ resetEach: false });

function recordFor(tags: Record<string, string>): IsolationRecord {
  return {
    id: `iso-20261205070000000-${Math.random().toString().slice(2, 12).padEnd(10, '0')}`,
    resource: { ...instance('i-0123456789abcdef0', tags), accountId: '111122223333' },
    resourceKey: '111122223333#eu-west-1#ec2-instance#i-0123456789abcdef0',
    resourceId: 'i-0123456789abcdef0',
    accountId: '111122223333',
    region: 'eu-west-1',
    action: 'isolate-ec2-instance',
    params: {},
    mode: 'auto',
    rule: 'ec2-backdoor',
    status: 'ISOLATED',
    steps: [],
    releaseSteps: [],
    before: {},
    requester: { type: 'policy', id: 'ec2-backdoor', name: 'policy rule' },
    audit: [],
    warnings: [],
    createdAt: '2026-12-05T07:00:00.000Z',
    updatedAt: '2026-12-05T07:00:01.000Z',
    reports: {},
    pendingReports: [],
    version: 3,
  };
}

const ENV = {
  AWS_REGION: 'eu-west-1',
  CORDON_SECURITY_ACCOUNT_ID: '999988887777',
  CORDON_TABLE_NAME: 'cordon-isolations',
  CORDON_TOPIC_ARN: 'arn:aws:sns:eu-west-1:999988887777:cordon-notifications',
  CORDON_WORKER_FUNCTION: 'cordon-isolate',
};

describe('Notifications: owner and team attributes', () => {
  it('reads Owner/owner and Team/team by default, the first present key winning', () => {
    // Prepare
    const tags = { owner: 'ignored-lower', Owner: 'alice@example.com', team: 'payments', Name: 'web-1' };

    // Act
    const isolation = buildNotification(recordFor(tags));
    const notify = buildFindingNotification(finding({ resources: [instance('i-1', tags)] }), 'ec2-recon');

    // Assess
    expect(isolation.attributes).toMatchObject({ owner: 'alice@example.com', team: 'payments' });
    expect(notify.attributes).toMatchObject({
      owner: 'alice@example.com',
      team: 'payments',
      status: 'NOTIFIED',
    });
  });

  it('takes the tag keys from the environment, and an empty list turns an attribute off', () => {
    // Prepare
    const config = loadConfig({
      ...ENV,
      CORDON_OWNER_TAG_KEYS: 'app:owner, Owner',
      CORDON_TEAM_TAG_KEYS: '',
    });
    const tags = { 'app:owner': 'bob@example.com', Owner: 'alice@example.com', Team: 'payments' };

    // Act
    const attributes = buildNotification(recordFor(tags), undefined, config.ownerTagKeys).attributes;

    // Assess
    expect(config.ownerTagKeys).toEqual({ owner: ['app:owner', 'Owner'], team: [] });
    expect(attributes.owner).toBe('bob@example.com');
    expect(attributes).not.toHaveProperty('team');
    expect(loadConfig(ENV).ownerTagKeys).toEqual({ owner: ['Owner', 'owner'], team: ['Team', 'team'] });
    expect(() => loadConfig({ ...ENV, CORDON_OWNER_TAG_KEYS: 'a,,b' })).toThrow(/CORDON_OWNER_TAG_KEYS/);
  });

  it('sends no owner attribute for an untagged resource or a blank tag', () => {
    // Act
    const attributes = buildNotification(recordFor({ Owner: '  ' })).attributes;

    // Assess
    expect(attributes).not.toHaveProperty('owner');
    expect(attributes).not.toHaveProperty('team');
  });

  it("delivers to an owner's filtered subscription only the notifications about their resources", async () => {
    // Prepare
    const sns = new SNSClient(moto.clientConfig('eu-west-1'));
    const sqs = new SQSClient(moto.clientConfig('eu-west-1'));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `owners-${Date.now()}` }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `alice-${Date.now()}` }));
    const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.Attributes?.['QueueArn'],
        Attributes: {
          FilterPolicy: JSON.stringify({ owner: ['alice@example.com'] }),
          RawMessageDelivery: 'true',
        },
      }),
    );
    const notifier = new SnsNotifier(new SNS(moto.clientConfig('eu-west-1')), TopicArn ?? '');

    // Act
    await notifier.publish(buildNotification(recordFor({ Owner: 'alice@example.com' })));
    await notifier.publish(buildNotification(recordFor({ Owner: 'mallory@example.com' })));
    await notifier.publish(buildNotification(recordFor({})));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));

    // Assess
    expect(
      received.Messages?.map((m) => (JSON.parse(m.Body ?? '{}') as { resource: unknown }).resource),
    ).toHaveLength(1);
    expect(received.Messages?.[0]?.Body).toContain('isolate-ec2-instance');
  });
});
