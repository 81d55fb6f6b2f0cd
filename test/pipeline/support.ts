/**
 * Test world for the pipeline, built with the local pipeline harness (harness/): a real table, topic and member
 * role in moto, the real worker in-process, the real EC2 action against moto instances, Security Hub captured with aws-sdk-client-mock (moto has no
 * BatchUpdateFindings), SNS notifications read back from an SQS queue subscribed to the topic, and every SDK
 * command recorded (to prove that bad input mutates nothing).
 */
import type { FaultInjector } from '../aws/support/faults.js';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHub,
  type BatchUpdateFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { SNS, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type {
  ServiceInputTypes,
  ServiceOutputTypes,
  SecurityHubClientResolvedConfig,
} from '@aws-sdk/client-securityhub';
import { CommandRecorder } from '../../functions/lib/aws/command-recorder.js';
import type { PipelineDeps } from '../../functions/lib/pipeline/deps.js';
import { loadRuleFiles } from '../../functions/lib/eventbridge/rules.js';
import { createLocalPipeline, type LocalPipeline } from '../../harness/pipeline.js';
import type { InProcessWorker } from '../../harness/worker.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy, PolicySettings } from '../../functions/lib/policy/model.js';
import { asffTypesForGuardDutyType } from '../../functions/lib/findings/index.js';
import { recordingMetrics } from '../../functions/lib/observability.js';
import type { IsolationStore } from '../../functions/lib/store/isolations.js';
import { AwsSecurityHubWriter } from '../../functions/lib/report/securityhub-writer.js';
import type { MotoHandle } from '../support/moto.js';

/** moto's default account: the security account and, for most tests, the member account too. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const MEMBER_ROLE = 'cordon-member';
export const APPROVE_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/CordonApprove`;
export const REJECT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/CordonReject`;

/** Commands that only read. Anything else sent to AWS is a mutation. */
export function isReadOnly(command: string): boolean {
  return /^(Get|Describe|List|Query|Scan|BatchGet|Receive)/.test(command) || command === 'AssumeRole';
}

let counter = 0;
/** A name unique within the test run (one moto serves a whole file; tests do not reset it). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(2).toString('hex')}`;
}

/** A clock that runs with real time plus an offset tests can advance. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

function testClock(): TestClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

export type SecurityHubStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, SecurityHubClientResolvedConfig>;

export interface Notification {
  subject?: string;
  body: Record<string, unknown>;
  attributes: Record<string, string>;
}

export interface PipelineWorld {
  deps: PipelineDeps;
  worker: InProcessWorker;
  /** Deliver an event through the repository's rules/ to its cores, then wait for the worker (harness). */
  dispatch: LocalPipeline['dispatch'];
  securityHub: SecurityHubStub;
  recorder: CommandRecorder;
  metrics: ReturnType<typeof recordingMetrics>;
  clock: TestClock;
  ec2: EC2Client;
  store: IsolationStore;
  /** Every BatchUpdateFindings input sent so far. */
  writeBacks(): BatchUpdateFindingsCommandInput[];
  /** Notifications published so far (read from the SQS queue subscribed to the topic). */
  notifications(): Promise<Notification[]>;
}

/** The default policy with some settings replaced. */
export function policyWith(settings: Partial<PolicySettings> = {}): CompiledPolicy {
  const policy = loadPolicy(['policies']);
  return { ...policy, settings: { ...policy.settings, ...settings } };
}

/** Build a pipeline world against this file's moto. Each world has its own table, topic and queue. */
export async function createWorld(
  moto: MotoHandle,
  options: {
    policy?: CompiledPolicy;
    securityAccountId?: string;
    /** Refuse the security account as a target, as deployed (off: moto's one account plays both). */
    enforceSecurityAccount?: boolean;
    memberAccounts?: string[];
    /** Collect evidence into this bucket (created in moto with Object Lock). */
    evidenceBucket?: string;
    /** Also attached to every DynamoDB, SNS, S3 and member-account client (injected faults). */
    faults?: FaultInjector;
  } = {},
): Promise<PipelineWorld> {
  const clientConfig = moto.clientConfig(REGION);
  const recorder = new CommandRecorder();
  const shClient = new SecurityHub(clientConfig);
  const securityHub = mockClient(shClient);
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  // moto has no BatchUpdateFindings, and its GetFindings ignores Filters: a finding Security Hub does not have
  // yet (tests that need its current state answer GetFindings themselves).
  securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
  securityHub
    .on(BatchImportFindingsCommand)
    .resolves({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
  const clock = testClock();
  const metrics = recordingMetrics();
  const pipeline = await createLocalPipeline({
    endpoint: moto.endpoint,
    region: REGION,
    securityAccountId: options.securityAccountId ?? ACCOUNT,
    // Off by default: moto's one account plays both the security and the member account.
    enforceSecurityAccount: options.enforceSecurityAccount === true,
    ...(options.memberAccounts === undefined ? {} : { memberAccounts: options.memberAccounts }),
    ...(options.evidenceBucket === undefined ? {} : { evidence: { bucket: options.evidenceBucket } }),
    policy: options.policy ?? loadPolicy(['policies']),
    rules: loadRuleFiles('rules'),
    tableName: unique('cordon-isolations'),
    topicName: unique('cordon-notifications'),
    memberRoleName: MEMBER_ROLE,
    maxAttempts: 1,
    functionName: 'test',
    securityHub: new AwsSecurityHubWriter(shClient),
    // Every DynamoDB, SNS and member-account call is recorded (to prove that bad input mutates nothing).
    instrument: (client) => {
      recorder.attach(client);
      options.faults?.attach(client);
    },
    metrics,
    clock: clock.now,
  });
  const { deps, worker } = pipeline;
  const resources = { topicArn: deps.config.topicArn };
  const sqs = new SQSClient(clientConfig);
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: unique('notifications') }));
  const queueUrl = queue.QueueUrl ?? '';
  const queueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.['QueueArn'] ?? '';
  const sns = new SNS(clientConfig);
  await sns.send(
    new SubscribeCommand({
      TopicArn: resources.topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'false' },
    }),
  );

  const received: Notification[] = [];
  return {
    deps,
    worker,
    dispatch: (event, dispatchOptions) => pipeline.dispatch(event, dispatchOptions),
    securityHub,
    recorder,
    metrics,
    clock,
    ec2: new EC2Client(clientConfig),
    store: deps.store,
    writeBacks: () => securityHub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input),
    async notifications() {
      for (;;) {
        const output = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        const messages = output.Messages ?? [];
        if (messages.length === 0) break;
        for (const message of messages) {
          const envelope = JSON.parse(message.Body ?? '{}') as {
            Subject?: string;
            Message?: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          received.push({
            ...(envelope.Subject === undefined ? {} : { subject: envelope.Subject }),
            body: JSON.parse(envelope.Message ?? '{}') as Record<string, unknown>,
            attributes: Object.fromEntries(
              Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
            ),
          });
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
      return received;
    },
  };
}

/** A VPC, subnet and security group, then an instance with per-interface groups (moto reads these back exactly). */
export async function launchInstance(
  ec2: EC2Client,
  options: { tags?: Record<string, string> } = {},
): Promise<{ instanceId: string; groupId: string; vpcId: string }> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24' }));
  const group = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: unique('app'), Description: 'application' }),
  );
  const groupId = group.GroupId ?? '';
  const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.Subnet?.SubnetId ?? '', Groups: [groupId] }],
      ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
    }),
  );
  return { instanceId: run.Instances?.[0]?.InstanceId ?? '', groupId, vpcId };
}

/** Security groups currently on the instance's interfaces. */
export async function interfaceGroups(ec2: EC2Client, instanceId: string): Promise<string[]> {
  const output = await ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }],
    }),
  );
  return (output.NetworkInterfaces ?? [])
    .flatMap((eni) => (eni.Groups ?? []).map((g) => g.GroupId ?? ''))
    .sort();
}

function readEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

export const BACKDOOR_TYPE = 'Backdoor:EC2/C&CActivity.B!DNS';

/** A GuardDuty finding event for an instance (from the shared sample, not a sample finding any more). */
export function guardDutyEvent(
  instanceId: string,
  options: { severity?: number; findingId?: string; account?: string; type?: string } = {},
): Record<string, unknown> {
  const event = readEvent('guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json');
  delete event['debug'];
  const detail = event['detail'] as Record<string, unknown>;
  const account = options.account ?? ACCOUNT;
  const findingId = options.findingId ?? randomBytes(16).toString('hex');
  const now = new Date().toISOString();
  event['account'] = ACCOUNT;
  event['time'] = now;
  detail['accountId'] = account;
  detail['id'] = findingId;
  detail['arn'] =
    `arn:aws:guardduty:${REGION}:${account}:detector/0123456789abcdef0123456789abcdef/finding/${findingId}`;
  detail['severity'] = options.severity ?? 8;
  detail['type'] = options.type ?? BACKDOOR_TYPE;
  detail['createdAt'] = now;
  detail['updatedAt'] = now;
  const resource = detail['resource'] as { instanceDetails: { instanceId: string } };
  resource.instanceDetails.instanceId = instanceId;
  const service = detail['service'] as Record<string, unknown>;
  service['additionalInfo'] = {};
  return event;
}

/** The Security Hub (ASFF) twin of a GuardDuty finding event. */
export function asffTwin(
  gdEvent: Record<string, unknown>,
  workflow: 'NEW' | 'NOTIFIED' = 'NEW',
): Record<string, unknown> {
  const detail = gdEvent['detail'] as {
    arn: string;
    accountId: string;
    type: string;
    severity: number;
    createdAt: string;
    updatedAt: string;
    resource: { instanceDetails: { instanceId: string } };
  };
  const productArn = `arn:aws:securityhub:${REGION}::product/aws/guardduty`;
  const label = detail.severity >= 7 ? 'HIGH' : detail.severity >= 4 ? 'MEDIUM' : 'LOW';
  return {
    SchemaVersion: '2018-10-08',
    Id: detail.arn,
    ProductArn: productArn,
    GeneratorId: detail.arn.replace(/\/finding\/.*/, ''),
    AwsAccountId: detail.accountId,
    Types: asffTypesForGuardDutyType(detail.type),
    CreatedAt: detail.createdAt,
    UpdatedAt: detail.updatedAt,
    Severity: { Product: detail.severity, Label: label, Normalized: Math.round(detail.severity * 10) },
    Title: 'EC2 instance is querying a domain name associated with a known command and control server.',
    Description: 'An EC2 instance is querying a C&C domain.',
    ProductFields: {
      'aws/securityhub/FindingId': `${productArn}/${detail.arn}`,
      'aws/securityhub/ProductName': 'GuardDuty',
      'aws/securityhub/CompanyName': 'Amazon',
    },
    Resources: [
      {
        Type: 'AwsEc2Instance',
        Id: `arn:aws:ec2:${REGION}:${detail.accountId}:instance/${detail.resource.instanceDetails.instanceId}`,
        Partition: 'aws',
        Region: REGION,
      },
    ],
    Workflow: { Status: workflow },
    RecordState: 'ACTIVE',
  };
}

/** A Security Hub Findings - Imported event carrying one ASFF finding. */
export function importedEvent(finding: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: randomBytes(16).toString('hex'),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`${String(finding['ProductArn'])}/${String(finding['Id'])}`],
    detail: { findings: [finding] },
  };
}

/** A Security Hub Findings - Custom Action event, as Security Hub sends it. */
export function customActionEvent(
  finding: Record<string, unknown>,
  options: { actionArn?: string; account?: string; actionName?: string } = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: randomBytes(16).toString('hex'),
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: options.account ?? ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [options.actionArn ?? APPROVE_ARN],
    detail: {
      actionName: options.actionName ?? 'Cordon approve',
      actionDescription: 'Approve isolation',
      findings: [finding],
    },
  };
}
