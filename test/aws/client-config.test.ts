import { describe, expect, it } from 'vitest';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { awsClientConfig, DEFAULT_MAX_ATTEMPTS } from '../../functions/lib/aws/client-config.js';
import { CommandRecorder, iamActionForCommand } from '../../functions/lib/aws/command-recorder.js';
import { classifyAwsError } from '../../functions/lib/aws/errors.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { useMoto } from '../support/moto.js';
import { awsFault, FaultInjector } from './support/faults.js';

const moto = useMoto({ resetEach: false });

describe('AWS: client configuration', () => {
  it("uses the SDK's adaptive retry with bounded attempts and the endpoint override", async () => {
    // Act
    const config = awsClientConfig({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' });
    const client = new IAMClient(config);

    // Assess
    expect(config).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      retryMode: 'adaptive',
    });
    expect(await client.config.maxAttempts()).toBe(4);
    const strategy = await client.config.retryStrategy();
    expect((strategy as { mode?: string }).mode).toBe('adaptive');
    expect(strategy.constructor.name).toBe('AdaptiveRetryStrategy');
  });

  it('rejects malformed settings with a configuration error', () => {
    expect(() => awsClientConfig({ region: 'Europe' })).toThrow(ConfigurationError);
    expect(() => awsClientConfig({ region: 'eu-west-1', endpoint: 'not a url' })).toThrow(/not a URL/);
    expect(() => awsClientConfig({ region: 'eu-west-1', endpoint: 'ftp://x' })).toThrow(/http/);
    expect(() => awsClientConfig({ region: 'eu-west-1', maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => awsClientConfig({ region: 'eu-west-1', maxAttempts: 50 })).toThrow(/maxAttempts/);
  });

  it('recovers from throttling and a 500 through the SDK retries, recording one command each', async () => {
    // Prepare
    const client = new IAMClient(
      awsClientConfig({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        maxAttempts: 3,
      }),
    );
    const recorder = new CommandRecorder();
    const faults = new FaultInjector().inject('ListUsers', 'throttling').inject('ListUsers', 'server-error');
    recorder.attach(client);
    faults.attach(client);

    // Act
    const output = await client.send(new ListUsersCommand({}));

    // Assess
    expect(output.Users).toBeDefined();
    expect(faults.raised).toEqual(['ListUsers:throttling', 'ListUsers:server-error']);
    expect(recorder.commands.map((c) => [c.command, c.outcome])).toEqual([['ListUsers', 'ok']]);
  });

  it('gives up after the bounded attempts and surfaces the error', async () => {
    // Prepare
    const client = new IAMClient({ ...moto.clientConfig(), maxAttempts: 2, retryMode: 'adaptive' });
    new FaultInjector().inject('ListUsers', 'throttling', 5).attach(client);

    // Act + Assess
    await expect(client.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('AWS: command recorder and error classification', () => {
  it('maps SDK clients to IAM service prefixes', () => {
    expect(iamActionForCommand('EC2', 'ModifyNetworkInterfaceAttributeCommand')).toBe(
      'ec2:ModifyNetworkInterfaceAttribute',
    );
    expect(iamActionForCommand('AutoScaling', 'EnterStandby')).toBe('autoscaling:EnterStandby');
    // A command whose name ends in "Command" keeps it: SSM's SendCommandCommand is ssm:SendCommand.
    expect(iamActionForCommand('SSM', 'SendCommandCommand')).toBe('ssm:SendCommand');
    expect(iamActionForCommand('ElasticLoadBalancingV2', 'DeregisterTargets')).toBe(
      'elasticloadbalancing:DeregisterTargets',
    );
    expect(() => iamActionForCommand('Mystery', 'Do')).toThrow(/No IAM service prefix/);
  });

  it('classifies throttling, access denied (with the denied action), not found and server errors', () => {
    expect(classifyAwsError(awsFault('throttling', 'IAM', 'PutUserPolicy')).kind).toBe('throttling');
    expect(classifyAwsError(awsFault('access-denied', 'IAM', 'PutUserPolicy'))).toMatchObject({
      kind: 'access-denied',
      deniedAction: 'iam:PutUserPolicy',
      httpStatus: 403,
    });
    expect(classifyAwsError(awsFault('access-denied', 'EC2', 'DescribeInstances')).code).toBe(
      'UnauthorizedOperation',
    );
    expect(classifyAwsError(Object.assign(new Error('gone'), { name: 'NoSuchEntityException' })).kind).toBe(
      'not-found',
    );
    expect(
      classifyAwsError(Object.assign(new Error('gone'), { name: 'InvalidInstanceID.NotFound' })).kind,
    ).toBe('not-found');
    expect(classifyAwsError(awsFault('server-error', 'IAM', 'GetUser')).kind).toBe('server');
    expect(classifyAwsError('weird').kind).toBe('unknown');
  });
});
