/**
 * Start moto on a loopback port for `cordon replay` and keep it running until Ctrl-C.
 *
 *   npx tsx scripts/moto-up.ts [--port N] [--demo-event EVENT_FILE] [--out FILE]
 *
 * With `--demo-event`, it also creates a VPC, a subnet, a security group and an instance in the emulator, and
 * writes a copy of the GuardDuty EC2 event with its instance id and account rewritten to that instance (default
 * `.cordon/demo-event.json`), then prints the `cordon replay` command to run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startMoto } from './moto.js';
import { errorMessage } from '../functions/lib/errors.js';

interface Args {
  port?: number;
  demoEvent?: string;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: '.cordon/demo-event.json' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--port' && value) args.port = Number(value);
    else if (arg === '--demo-event' && value) args.demoEvent = value;
    else if (arg === '--out' && value) args.out = value;
    else
      throw new Error(
        `unknown argument ${String(arg)}; usage: tsx scripts/moto-up.ts [--port N] [--demo-event FILE] [--out FILE]`,
      );
    i++;
  }
  return args;
}

/** Create an instance in the emulator and rewrite the event's instance id and account to it. */
async function demoEvent(endpoint: string, eventFile: string, out: string): Promise<string> {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const ec2 = new EC2Client(config);
  const account =
    (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account ?? '123456789012';
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.42.1.0/24' }),
  );
  const group = await ec2.send(
    new CreateSecurityGroupCommand({
      VpcId: vpc.Vpc?.VpcId,
      GroupName: 'web',
      Description: 'demo web servers',
    }),
  );
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [
        { DeviceIndex: 0, SubnetId: subnet.Subnet?.SubnetId, Groups: [group.GroupId ?? ''] },
      ],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'cordon-demo-web' }] }],
    }),
  );
  const instanceId = run.Instances?.[0]?.InstanceId ?? '';
  const event = JSON.parse(readFileSync(eventFile, 'utf8')) as {
    account: string;
    detail: { accountId: string; arn: string; resource: { instanceDetails: { instanceId: string } } };
  };
  event.account = account;
  event.detail.accountId = account;
  event.detail.arn = event.detail.arn.replace(/:\d{12}:/, `:${account}:`);
  event.detail.resource.instanceDetails.instanceId = instanceId;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(event, null, 2)}\n`);
  process.stdout.write(
    `created instance ${instanceId} (group ${group.GroupId ?? ''}) in account ${account}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
  return instanceId;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const moto = await startMoto({ ...(args.port ? { port: args.port } : {}) });
  process.stdout.write(`moto is listening on ${moto.endpoint} (pid ${moto.pid}); Ctrl-C stops it\n`);
  if (args.demoEvent) {
    await demoEvent(moto.endpoint, args.demoEvent, args.out);
    process.stdout.write(
      `\nnow run:\n  npx cordon replay ${args.out} --endpoint ${moto.endpoint} --policy test/pipeline/fixtures/demo-policy\n`,
    );
  }
  const stop = () => {
    void moto.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`moto-up: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
