/**
 * SNS notifications: one topic, a JSON message people can read, and message attributes subscribers filter on
 * (account, severity, action, status).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** A message ready to publish. */
export interface Notification {
  /** ≤ 100 characters (SNS limit for email subjects). */
  subject: string;
  /** JSON text. */
  message: string;
  attributes: { account: string; severity: string; action: string; status: string };
}

/** Publishes notifications. Failures throw; the caller records and retries them. */
export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** Publishes to one SNS topic. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: notification.subject,
        Message: notification.message,
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes).map(([key, value]) => [
            key,
            { DataType: 'String', StringValue: value === '' ? 'unknown' : value },
          ]),
        ),
      }),
    );
  }
}
