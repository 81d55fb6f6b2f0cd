import { describe, expect, it } from 'vitest';
import type { SNS } from '@aws-sdk/client-sns';
import { modularClient, UnknownOperationError } from '../../functions/lib/aws/modular.js';

/** A command as the SDK's: built from its input. */
class PublishCommand {
  constructor(readonly input: object) {}
}

/** A client that answers every command with the command itself (no AWS call: only the dispatch is tested). */
function echoClient() {
  return {
    sent: [] as object[],
    middlewareStack: { name: 'stack' },
    async send(command: object) {
      this.sent.push(command);
      return command;
    },
  };
}

describe('modularClient', () => {
  it('sends the listed command for its method, one-word operations included', async () => {
    const client = echoClient();
    const sns = modularClient<SNS>(client, { PublishCommand }, '@aws-sdk/client-sns');
    const answer: unknown = await sns.publish({
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Message: 'm',
    });
    expect(answer).toBeInstanceOf(PublishCommand);
    expect(client.sent).toHaveLength(1);
  });

  it('serves a method whose command is not listed from the full package, through the same client', async () => {
    const client = echoClient();
    const sns = modularClient<SNS>(client, { PublishCommand }, '@aws-sdk/client-sns');
    const answer: unknown = await sns.listTopics({});
    expect(answer?.constructor.name).toBe('ListTopicsCommand');
    expect(client.sent).toHaveLength(1);
  });

  it("keeps the client's own members and turns no other property into a request", async () => {
    const client = echoClient();
    const sns = modularClient<SNS & { then?: unknown; toJSON?: unknown }>(client, { PublishCommand }, 'x');
    expect(sns.middlewareStack).toBe(client.middlewareStack);
    // Awaiting the client (an async factory returns it) must not call a `then` operation.
    expect(sns.then).toBeUndefined();
    expect(sns.toJSON).toBeUndefined();
    expect(await Promise.resolve(sns)).toBe(sns);
    expect(client.sent).toEqual([]);
  });

  it('refuses an operation the package does not have', async () => {
    const sns = modularClient<{ getNothingAtAll(): Promise<unknown> }>(
      echoClient(),
      { PublishCommand },
      '@aws-sdk/client-sns',
    );
    await expect(sns.getNothingAtAll()).rejects.toBeInstanceOf(UnknownOperationError);
  });
});
