import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCordonEvent } from '../../functions/lib/findings/index.js';
import { evaluatePolicy, loadPolicy } from '../../functions/lib/policy/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { accessKey, finding, instance, role, root, user } from './support.js';

const policy = loadPolicy(['policies']);

/** What a reader of the shipped policy (policies/default-*.yaml) expects for each shared sample event. */
const EXPECTED: Record<string, { rule: string | null; mode: string | null; actions: string[] }> = {
  // A 2017 GuardDuty *sample* (service.additionalInfo.sample: true): samples never trigger containment.
  'guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json': { rule: null, mode: null, actions: [] },
  // Inbound SSH brute force at severity 2: an attempt against the instance, not a compromise.
  'guardduty-ec2-ssh-bruteforce.envelope-assembled.json': {
    rule: 'ec2-inbound-brute-force',
    mode: 'notify',
    actions: [],
  },
  // Tor caller with an access key, but a sample finding: nothing happens.
  'guardduty-iam-accesskey-toripcaller.custodian.json': { rule: null, mode: null, actions: [] },
  // Anomalous console login (via a Security Hub custom action): isolate the user once approved.
  'securityhub-custom-action-guardduty-iam-accesskey.custodian.json': {
    rule: 'iam-user-anomalous-console-login',
    mode: 'approval',
    actions: ['isolate-iam-user iam-user kapil'],
  },
  // The same inbound brute force, arriving through Security Hub: same decision as the GuardDuty event.
  'securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json': {
    rule: 'ec2-inbound-brute-force',
    mode: 'notify',
    actions: [],
  },
  // A Lambda function talking to a C2 server: throttled to 0 once a person approves.
  'guardduty-lambda-c2activity.docs-assembled.json': {
    rule: 'lambda-function-compromise',
    mode: 'approval',
    actions: ['isolate-lambda-function lambda-function image-thumbnailer'],
  },
  // A successful brute-force login to an Aurora instance: snapshotted and cut off (the cluster's groups) once a
  // person approves.
  'guardduty-rds-successful-bruteforce.docs-assembled.json': {
    rule: 'rds-successful-login-threat',
    mode: 'approval',
    actions: ['isolate-rds-instance rds-db-instance orders-db-instance-1'],
  },
  // Reads from a known-malicious IP on a bucket: the whole bucket is denied to others once a person approves.
  'guardduty-s3-exfiltration.docs-assembled.json': {
    rule: 's3-bucket-data-threat',
    mode: 'approval',
    actions: ['isolate-s3-bucket s3-bucket acme-finance-exports'],
  },
  // A reverse shell in a pod: the finding names the EKS node (instanceDetails), which is isolated with every pod
  // on it once a person approves (never auto: the whole node goes); the cluster itself is not an action's resource.
  'guardduty-eks-runtime-reverseshell-node.docs-assembled.json': {
    rule: 'runtime-on-eks-node',
    mode: 'approval',
    actions: ['isolate-ec2-instance ec2-instance i-0b1c2d3e4f5a69788'],
  },
  // A crypto-miner in a Fargate task at High: no instance is named, and AWS does not let an account change the
  // task's interface, so the containment is stopping it (irreversible): a person approves.
  'guardduty-ecs-fargate-runtime-cryptominer.docs-assembled.json': {
    rule: 'runtime-crypto-mining-or-backdoor-in-ecs-task',
    mode: 'approval',
    actions: ['isolate-ecs-task ecs-task 0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
  },
  // A Security Hub control (IAM.3 key rotation): a posture finding, not a threat. cordon does nothing.
  'securityhub-imported-securityhub-control-iam-user.asr-assembled.json': {
    rule: null,
    mode: null,
    actions: [],
  },
};

function summary(f: Finding) {
  const decision = evaluatePolicy(policy, f);
  return {
    rule: decision.rule,
    mode: decision.mode,
    actions: decision.actions.map((a) => `${a.action} ${a.resource.type} ${a.resource.id}`),
  };
}

describe('Default policy: shared sample events', () => {
  const files = readdirSync('test/events').filter((f) => f.endsWith('.json'));

  it('has an expectation for every sample event', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s gets the decision a reader of the policy expects', (file) => {
    // Prepare
    const event: unknown = JSON.parse(readFileSync(`test/events/${file}`, 'utf8'));
    const [f] = parseCordonEvent(event).findings;
    if (!f) throw new Error(`${file} has no finding`);

    // Act
    const decision = summary(f);

    // Assess
    expect(decision).toEqual(EXPECTED[file]);
  });
});

describe('Default policy: common GuardDuty findings', () => {
  it.each([
    [
      'crypto-mining at High is isolated now',
      finding({ type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', score: 8 }),
      'ec2-crypto-mining',
      'auto',
      ['isolate-ec2-instance ec2-instance i-0abc'],
    ],
    [
      'a Critical backdoor is isolated now',
      finding({ type: 'Backdoor:EC2/C&CActivity.B', score: 9 }),
      'ec2-backdoor-trojan-high',
      'auto',
      ['isolate-ec2-instance ec2-instance i-0abc'],
    ],
    [
      'a High trojan is isolated now',
      finding({ type: 'Trojan:EC2/DNSDataExfiltration', score: 8 }),
      'ec2-backdoor-trojan-high',
      'auto',
      ['isolate-ec2-instance ec2-instance i-0abc'],
    ],
    [
      'a Medium spam bot waits for approval',
      finding({ type: 'Backdoor:EC2/Spambot', score: 5 }),
      'ec2-suspected-compromise',
      'approval',
      ['isolate-ec2-instance ec2-instance i-0abc'],
    ],
    [
      'outbound SSH brute force waits for approval',
      finding({ type: 'UnauthorizedAccess:EC2/SSHBruteForce', score: 8 }),
      'ec2-outbound-brute-force',
      'approval',
      ['isolate-ec2-instance ec2-instance i-0abc'],
    ],
    [
      'inbound RDP brute force only notifies',
      finding({ type: 'UnauthorizedAccess:EC2/RDPBruteForce', score: 2 }),
      'ec2-inbound-brute-force',
      'notify',
      [],
    ],
    [
      'instance credentials used outside AWS: sessions revoked now',
      finding({
        type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
        score: 8,
        resources: [role('web-instance-role')],
      }),
      'instance-credentials-used-outside-aws',
      'auto',
      ['revoke-role-sessions iam-role web-instance-role'],
    ],
    [
      'instance credentials used inside AWS: revoke after approval',
      finding({
        type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS',
        score: 5,
        resources: [role('web-instance-role')],
      }),
      'role-credentials-used-elsewhere',
      'approval',
      ['revoke-role-sessions iam-role web-instance-role'],
    ],
    [
      'a key used from Tor is disabled after approval',
      finding({
        type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
        score: 5,
        resources: [accessKey('AKIA1', 'ci'), user('ci')],
      }),
      'iam-access-key-malicious-ip',
      'approval',
      ['disable-access-key iam-access-key AKIA1'],
    ],
    [
      'a key used from a custom threat list IP is disabled after approval',
      finding({
        type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
        score: 5,
        resources: [accessKey('AKIA2', 'ci'), user('ci')],
      }),
      'iam-access-key-malicious-ip',
      'approval',
      ['disable-access-key iam-access-key AKIA2'],
    ],
    [
      "an IAM user's temporary key used from Tor goes to disable-access-key (session deny)",
      finding({
        type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
        score: 5,
        resources: [accessKey('ASIA1', 'console-user'), user('console-user')],
      }),
      'iam-access-key-malicious-ip',
      'approval',
      ['disable-access-key iam-access-key ASIA1'],
    ],
    [
      "a role session used from a malicious IP: the role's sessions are revoked after approval",
      finding({
        type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
        score: 5,
        resources: [role('app-role')],
      }),
      'iam-role-session-malicious-ip',
      'approval',
      ['revoke-role-sessions iam-role app-role'],
    ],
    [
      'Kali Linux API calls: key disabled after approval',
      finding({
        type: 'PenTest:IAMUser/KaliLinux',
        score: 5,
        resources: [accessKey('AKIA3', 'bob'), user('bob')],
      }),
      'iam-access-key-pentest-tool',
      'approval',
      ['disable-access-key iam-access-key AKIA3'],
    ],
    [
      'root credential usage only notifies',
      finding({ type: 'Policy:IAMUser/RootCredentialUsage', score: 2, resources: [root()] }),
      'root-credential-usage',
      'notify',
      [],
    ],
    [
      'CloudTrail disabled only notifies',
      finding({
        type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
        score: 2,
        resources: [accessKey(), user()],
      }),
      'logging-or-password-policy-tampering',
      'notify',
      [],
    ],
    [
      'an unknown High finding still notifies',
      finding({ type: 'Impact:S3/MaliciousIPCaller', score: 8, resources: [] }),
      'guardduty-high-severity',
      'notify',
      [],
    ],
    [
      'a Low port probe does nothing',
      finding({ type: 'Recon:EC2/PortProbeUnprotectedPort', score: 2 }),
      null,
      null,
      [],
    ],
  ] as const)('%s', (_title, f, rule, mode, actions) => {
    // Act
    const decision = summary(f);

    // Assess
    expect(decision).toEqual({ rule, mode, actions: [...actions] });
  });

  it('never contains the protected organisation access role', () => {
    // Prepare
    const f = finding({
      type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      resources: [role('OrganizationAccountAccessRole')],
    });

    // Act
    const decision = evaluatePolicy(policy, f);

    // Assess
    expect(decision.actions).toEqual([]);
    expect(decision.reasons).toContain(
      'left out iam-role OrganizationAccountAccessRole: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole matches protected "arn:aws*:iam::*:role/OrganizationAccountAccessRole"',
    );
  });

  it.each([
    ['Backdoor:EC2/C&CActivity.B!DNS', 8, 'ec2-backdoor-trojan-high'],
    ['Trojan:EC2/DNSDataExfiltration', 8, 'ec2-backdoor-trojan-high'],
    ['Trojan:EC2/DGADomainRequest.C!DNS', 8, 'ec2-backdoor-trojan-high'],
    ['Trojan:EC2/PhishingDomainRequest!DNS', 8, 'ec2-backdoor-trojan-high'],
    ['Trojan:EC2/DriveBySourceTraffic!DNS', 8, 'ec2-backdoor-trojan-high'],
    ['Trojan:EC2/BlackholeTraffic!DNS', 5, 'ec2-suspected-compromise'],
    ['UnauthorizedAccess:EC2/MetadataDNSRebind', 8, 'ec2-suspected-compromise'],
  ] as const)(
    'turns the metadata endpoint off for DNS and command-and-control type %s',
    (type, score, rule) => {
      // Act
      const decision = evaluatePolicy(policy, finding({ type, score, resources: [instance('i-1')] }));

      // Assess: security groups filter neither DNS to the resolver nor IMDS
      expect(decision.rule).toBe(rule);
      expect(decision.actions[0]?.params).toMatchObject({ disableMetadataService: true });
    },
  );

  it('keeps the metadata endpoint on for malware and Tor findings', () => {
    // Act
    const decision = evaluatePolicy(
      policy,
      finding({ type: 'Execution:EC2/MaliciousFile', score: 5, resources: [instance('i-1')] }),
    );

    // Assess
    expect(decision.rule).toBe('ec2-malware-or-tor');
    expect(decision.actions[0]?.params).toMatchObject({ disableMetadataService: false });
  });

  it('snapshots volumes as evidence when isolating a crypto-miner', () => {
    // Act
    const decision = evaluatePolicy(policy, finding({ resources: [instance('i-1')] }));

    // Assess
    expect(decision.actions[0]?.params).toMatchObject({ snapshotVolumes: true, cutTrackedFlows: true });
  });
});
