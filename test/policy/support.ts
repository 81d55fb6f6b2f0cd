/** Builders for normalised findings and resources used by the policy tests. */
import type {
  Ec2InstanceResource,
  Finding,
  IamAccessKeyResource,
  IamRoleResource,
  IamUserResource,
  AwsAccountResource,
} from '../../functions/lib/findings/model.js';
import { labelForScore } from '../../functions/lib/findings/index.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export function instance(id = 'i-0abc', tags: Record<string, string> = {}): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id,
    accountId: ACCOUNT,
    region: REGION,
    tags,
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

export function accessKey(id = 'AKIAEXAMPLE', userName = 'alice'): IamAccessKeyResource {
  return {
    type: 'iam-access-key',
    id,
    accessKeyId: id,
    userName,
    accountId: ACCOUNT,
    region: REGION,
    tags: {},
  };
}

export function user(userName = 'alice', tags: Record<string, string> = {}): IamUserResource {
  return {
    type: 'iam-user',
    id: userName,
    userName,
    arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    accountId: ACCOUNT,
    region: REGION,
    tags,
  };
}

export function role(roleName = 'app-role'): IamRoleResource {
  return {
    type: 'iam-role',
    id: roleName,
    roleName,
    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    accountId: ACCOUNT,
    region: REGION,
    tags: {},
  };
}

export function root(): AwsAccountResource {
  return {
    type: 'aws-account',
    id: ACCOUNT,
    root: true,
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    accountId: ACCOUNT,
    region: REGION,
    tags: {},
  };
}

/** A GuardDuty finding with sensible defaults; override what the test is about. */
export function finding(overrides: Partial<Finding> & { score?: number } = {}): Finding {
  const { score = 8, ...rest } = overrides;
  return {
    key: 'arn:aws:guardduty:eu-west-1:123456789012:detector/d/finding/f1',
    source: 'guardduty',
    productName: 'GuardDuty',
    type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    title: 'test finding',
    severity: { score, label: labelForScore(score) },
    accountId: ACCOUNT,
    region: REGION,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    sample: false,
    securityHub: {
      id: 'arn:aws:guardduty:eu-west-1:123456789012:detector/d/finding/f1',
      productArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty',
    },
    resources: [instance()],
    channel: 'guardduty-event',
    ...rest,
  };
}

/** Compile a one-file policy from YAML text. */
export function policy(yaml: string, file = 'test.yaml'): CompiledPolicy {
  return loadPolicyFromStrings([{ file, text: yaml }]);
}
