/**
 * SDK middleware that records every command an AWS client sends (service + command name). The permissions
 * meta-test uses it to prove each action declares exactly the IAM actions it calls; the benchmark uses it to
 * count AWS calls per containment.
 */
import type { MiddlewareStack } from '@smithy/types';

/** One command sent by an instrumented client. */
export interface RecordedCommand {
  /** Client name without the `Client` suffix, e.g. `IAM`, `EC2`, `STS`. */
  service: string;
  /** Command name without the `Command` suffix, e.g. `PutUserPolicy`. */
  command: string;
  /** The IAM action this command needs, e.g. `iam:PutUserPolicy`. */
  iamAction: string;
  /** Milliseconds since the epoch when the command entered the client. */
  startedAt: number;
  /** The command's input, as given by the caller (tests use it to prove nothing was applied twice). */
  input: unknown;
  /** `pending` until the call settles (after the SDK's retries); then `ok` or `error`. */
  outcome: 'pending' | 'ok' | 'error';
  /** AWS error name when `outcome` is `error`. */
  errorName?: string;
}

/**
 * Anything with an SDK middleware stack (every AWS SDK v3 client). The stack's input/output types vary per
 * client; `never` input (a client whose every command has a required field, such as Identitystore, is not a
 * stack of `object`) and `object` output let one recorder instrument them all.
 */
export interface InstrumentableClient {
  middlewareStack: Pick<MiddlewareStack<never, object>, 'add' | 'identify'>;
}

/**
 * IAM service prefixes for SDK client names where the prefix is not simply the lower-cased client name.
 * Kept small and explicit on purpose: a new client must be added here, not guessed.
 */
const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  EC2: 'ec2',
  IAM: 'iam',
  STS: 'sts',
  AutoScaling: 'autoscaling',
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  ElasticLoadBalancing: 'elasticloadbalancing',
  SSOAdmin: 'sso',
  Identitystore: 'identitystore',
  SecurityHub: 'securityhub',
  SNS: 'sns',
  SQS: 'sqs',
  DynamoDB: 'dynamodb',
  Lambda: 'lambda',
  S3: 's3',
  RDS: 'rds',
  SSM: 'ssm',
  ECS: 'ecs',
};

/**
 * Commands whose IAM action is not `<prefix>:<command>` (Service Authorization Reference): S3's public-access
 * block calls are authorised as bucket actions, deleting the block needs the put permission, and reading the
 * default encryption is `s3:GetEncryptionConfiguration`.
 */
const COMMAND_ACTIONS: Readonly<Record<string, string>> = {
  'S3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  'S3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  'S3:DeletePublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  'S3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
};

/**
 * The IAM action a command needs: `<service prefix>:<command name>`.
 * @param service client name without `Client` (e.g. `ElasticLoadBalancingV2`)
 * @param command command name with or without the `Command` suffix (SSM's `SendCommand` needs it:
 *   `SendCommandCommand`)
 * @throws Error for a client whose IAM prefix is not in the explicit map.
 */
export function iamActionForCommand(service: string, command: string): string {
  const prefix = SERVICE_PREFIXES[service];
  if (prefix === undefined) throw new Error(`No IAM service prefix is known for AWS client "${service}"`);
  const name = command.replace(/Command$/, '');
  return COMMAND_ACTIONS[`${service}:${name}`] ?? `${prefix}:${name}`;
}

let recorderCount = 0;

/** Records the commands of every client attached to it. */
export class CommandRecorder {
  readonly #commands: RecordedCommand[] = [];
  /** Unique per recorder, so two recorders can instrument the same client. */
  readonly #middlewareName = `cordonCommandRecorder${++recorderCount}`;

  /** Commands recorded so far, in the order they were sent. */
  get commands(): readonly RecordedCommand[] {
    return this.#commands;
  }

  /**
   * Instrument a client: from now on each command it sends is recorded once (retries are not counted
   * again: the middleware sits in the `initialize` step, outside the retry loop). Attaching twice is a no-op.
   * @returns the same client, for chaining.
   */
  attach<C extends InstrumentableClient>(client: C): C {
    const stack = client.middlewareStack;
    if (stack.identify().some((entry) => entry.startsWith(`${this.#middlewareName} `))) return client;
    stack.add(
      (next, context) => async (args) => {
        const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
        const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        // Never break the call over bookkeeping: an unmapped client records a visibly unknown action instead.
        let iamAction: string;
        try {
          // The SDK's own name: stripping `Command` twice would turn SSM's SendCommandCommand into ssm:Send.
          iamAction = iamActionForCommand(service, context.commandName ?? 'Unknown');
        } catch {
          iamAction = `unmapped-${service}:${command}`;
        }
        const entry: RecordedCommand = {
          service,
          command,
          iamAction,
          startedAt: Date.now(),
          input: args.input,
          outcome: 'pending',
        };
        this.#commands.push(entry);
        try {
          const result = await next(args);
          entry.outcome = 'ok';
          return result;
        } catch (error) {
          entry.outcome = 'error';
          entry.errorName = error instanceof Error ? error.name : 'Error';
          throw error;
        }
      },
      { step: 'initialize', name: this.#middlewareName, priority: 'high' },
    );
    return client;
  }

  /** Forget everything recorded so far. */
  clear(): void {
    this.#commands.length = 0;
  }

  /** How many times a command was sent, e.g. `count('AssumeRole')`; all commands when omitted. */
  count(command?: string): number {
    if (command === undefined) return this.#commands.length;
    return this.#commands.filter((c) => c.command === command).length;
  }

  /** The distinct IAM actions the recorded commands need. */
  iamActions(): Set<string> {
    return new Set(this.#commands.map((c) => c.iamAction));
  }
}
