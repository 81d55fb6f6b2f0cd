/**
 * SNS notifications: one topic, a JSON message people can read, and message attributes subscribers filter on
 * (account, severity, action, status, refusal for a request cordon refused, and the resource's owner and team
 * from its tags, so application owners can subscribe to their own resources).
 */
import type { SNS } from '@aws-sdk/client-sns';
import { clientGetter, type ClientSource } from '../aws/sdk.js';

/** A message ready to publish. */
export interface Notification {
  /** ≤ 100 characters (SNS limit for email subjects). */
  subject: string;
  /** JSON text. */
  message: string;
  attributes: {
    account: string;
    severity: string;
    action: string;
    status: string;
    refusal?: string;
    owner?: string;
    team?: string;
  };
}

/** Publishes notifications. Failures throw; the caller records and retries them. */
export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** Publishes to one SNS topic. */
export class SnsNotifier implements Notifier {
  private readonly client: () => Promise<SNS>;

  /** @param sns the SNS client, or a function building it on first use (see aws/sdk.ts) */
  constructor(
    sns: ClientSource<SNS>,
    private readonly topicArn: string,
  ) {
    this.client = clientGetter(sns);
  }

  async publish(notification: Notification): Promise<void> {
    await (
      await this.client()
    ).publish({
      TopicArn: this.topicArn,
      Subject: notification.subject,
      Message: notification.message,
      MessageAttributes: Object.fromEntries(
        Object.entries(notification.attributes).map(([key, value]) => [
          key,
          { DataType: 'String', StringValue: value === '' ? 'unknown' : value },
        ]),
      ),
    });
  }
}
