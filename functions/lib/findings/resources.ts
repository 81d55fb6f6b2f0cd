/**
 * Resource extraction: GuardDuty `resource.*Details` and ASFF `Resources[]` → cordon's typed resources.
 *
 * Access-key principals map by their type, identically on both paths so that a finding and its Security Hub
 * twin yield the same resources:
 * - `IAMUser`: the access key (when its id is known) and the user who owns it. Both are listed so that a policy
 *   can disable just the key or isolate the whole user.
 * - `AssumedRole`: the role (the access key is temporary; revoking the role's sessions is what contains it), and
 *   for a session of an IAM Identity Center `AWSReservedSSO_*` role also the Identity Center user behind it.
 * - `Root`: the account root, which cordon never contains but must be able to name and notify about.
 */
import type {
  AwsAccountResource,
  Ec2InstanceResource,
  IamAccessKeyResource,
  IamRoleResource,
  IamUserResource,
  IdentityCenterUserResource,
  NetworkInterfaceRef,
  Resource,
} from './model.js';
import type { AsffFinding, AsffResource, GuardDutyFindingDetail } from './schemas.js';
import { readStringMap, RegionSchema, tagListToRecord } from './schemas.js';
import { partitionOf } from '../arn.js';

interface Scope {
  accountId: string;
  region: string;
  partition: string;
}

/** The account field of an ARN, when it is a 12-digit account id. */
function accountFromArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

const PARTITION = /^aws[a-z-]{0,20}$/;

function partitionFromArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const partition = arn.split(':')[1];
  return partition !== undefined && PARTITION.test(partition) ? partition : undefined;
}

/** Last `/`-separated segment of an ARN's resource part (IAM names live after their path). */
function lastSegment(value: string): string {
  const parts = value.split('/');
  return parts[parts.length - 1] ?? value;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function uniqueStrings(values: readonly (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const v of values) {
    const s = nonEmpty(v);
    if (s !== undefined) seen.add(s);
  }
  return [...seen];
}

/** An access key id is unknown when absent or reported as the literal `null` (seen in real ASFF events). */
function knownKeyId(value: string | null | undefined): string | undefined {
  const v = nonEmpty(value);
  return v === undefined || v === 'null' ? undefined : v;
}

interface PrincipalInput {
  userType: string | undefined;
  userName: string | undefined;
  principalId: string | undefined;
  accessKeyId: string | undefined;
}

/** The resources an access-key principal stands for (see the module comment). */
function principalResources(p: PrincipalInput, scope: Scope): Resource[] {
  const base = { accountId: scope.accountId, region: scope.region, tags: {} };
  const type = p.userType ?? (p.userName !== undefined ? 'IAMUser' : undefined);
  switch (type) {
    case 'Root': {
      const account: AwsAccountResource = {
        ...base,
        type: 'aws-account',
        id: scope.accountId,
        arn: `arn:${scope.partition}:iam::${scope.accountId}:root`,
        root: true,
      };
      return [account];
    }
    case 'AssumedRole': {
      if (p.userName === undefined) break;
      const colon = p.principalId?.indexOf(':') ?? -1;
      const sessionName = colon >= 0 ? nonEmpty(p.principalId?.slice(colon + 1)) : undefined;
      const role: IamRoleResource = {
        ...base,
        type: 'iam-role',
        id: p.userName,
        // GuardDuty gives the role name without its path; the ARN assumes the default path `/`.
        arn: `arn:${scope.partition}:iam::${scope.accountId}:role/${p.userName}`,
        roleName: p.userName,
        ...(sessionName !== undefined ? { sessionName } : {}),
      };
      const person = identityCenterUser(p.userName, sessionName, scope);
      return person ? [role, person] : [role];
    }
    case 'IAMUser': {
      if (p.userName === undefined) break;
      const out: Resource[] = [];
      if (p.accessKeyId !== undefined) {
        const key: IamAccessKeyResource = {
          ...base,
          type: 'iam-access-key',
          id: p.accessKeyId,
          accessKeyId: p.accessKeyId,
          userName: p.userName,
        };
        out.push(key);
      }
      const user: IamUserResource = {
        ...base,
        type: 'iam-user',
        id: p.userName,
        arn: `arn:${scope.partition}:iam::${scope.accountId}:user/${p.userName}`,
        userName: p.userName,
      };
      out.push(user);
      return out;
    }
    default:
      break;
  }
  const id = p.userName ?? p.principalId ?? p.accessKeyId;
  if (id === undefined) return [];
  return [{ ...base, type: 'other', id, sourceType: `AccessKey/${type ?? 'unknown'}` }];
}

/** `AWSReservedSSO_<PermissionSetName>_<16 hex digits>`: the roles IAM Identity Center provisions. */
const RESERVED_SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;

/**
 * The Identity Center user behind a session of an `AWSReservedSSO_*` role, listed after the role so that rules
 * on `iam-role` see what they saw before; undefined for any other role or when the session name is unknown.
 */
function identityCenterUser(
  roleName: string,
  sessionName: string | undefined,
  scope: Scope,
): IdentityCenterUserResource | undefined {
  const permissionSetName = RESERVED_SSO_ROLE.exec(roleName)?.[1];
  if (permissionSetName === undefined || sessionName === undefined) return undefined;
  return {
    type: 'identity-center-user',
    id: sessionName,
    arn: `arn:${scope.partition}:sts::${scope.accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId: scope.accountId,
    region: scope.region,
    tags: {},
    userName: sessionName,
    roleName,
    permissionSetName,
  };
}

function dedupe(resources: Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const k = `${r.type}\u0000${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Resources of a GuardDuty finding (`detail.resource`). The block named by `resourceType` comes first; other
 * blocks follow (an S3 finding's `accessKeyDetails` names the caller, which a policy may want to contain).
 */
export function guardDutyResources(detail: GuardDutyFindingDetail): Resource[] {
  const scope: Scope = {
    accountId: detail.accountId,
    region: detail.region,
    partition: detail.partition ?? partitionOf(detail.region),
  };
  const r = detail.resource;
  const blocks: { kind: string; resources: Resource[] }[] = [];

  const inst = r.instanceDetails;
  const instanceId = nonEmpty(inst?.instanceId);
  if (inst && instanceId !== undefined) {
    const enis: NetworkInterfaceRef[] = (inst.networkInterfaces ?? []).flatMap((n) => {
      const id = nonEmpty(n.networkInterfaceId);
      if (id === undefined) return [];
      const ref: NetworkInterfaceRef = {
        id,
        securityGroupIds: uniqueStrings((n.securityGroups ?? []).map((g) => g.groupId)),
      };
      const vpcId = nonEmpty(n.vpcId);
      const subnetId = nonEmpty(n.subnetId);
      const privateIp = nonEmpty(n.privateIpAddress);
      if (vpcId !== undefined) ref.vpcId = vpcId;
      if (subnetId !== undefined) ref.subnetId = subnetId;
      if (privateIp !== undefined) ref.privateIpAddress = privateIp;
      return [ref];
    });
    const instance: Ec2InstanceResource = {
      type: 'ec2-instance',
      id: instanceId,
      arn: `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:instance/${instanceId}`,
      accountId: scope.accountId,
      region: scope.region,
      tags: tagListToRecord(inst.tags),
      networkInterfaces: enis,
      securityGroupIds: uniqueStrings(enis.flatMap((e) => e.securityGroupIds)),
    };
    const vpcId = enis.find((e) => e.vpcId !== undefined)?.vpcId;
    const subnetId = enis.find((e) => e.subnetId !== undefined)?.subnetId;
    if (vpcId !== undefined) instance.vpcId = vpcId;
    if (subnetId !== undefined) instance.subnetId = subnetId;
    const profileArn = nonEmpty(inst.iamInstanceProfile?.arn);
    if (profileArn !== undefined) instance.instanceProfileArn = profileArn;
    blocks.push({ kind: 'Instance', resources: [instance] });
  }

  const key = r.accessKeyDetails;
  if (key) {
    blocks.push({
      kind: 'AccessKey',
      resources: principalResources(
        {
          userType: nonEmpty(key.userType),
          userName: nonEmpty(key.userName),
          principalId: nonEmpty(key.principalId),
          accessKeyId: knownKeyId(key.accessKeyId),
        },
        scope,
      ),
    });
  }

  const buckets = (r.s3BucketDetails ?? []).flatMap((b): Resource[] => {
    const bucketArn = nonEmpty(b.arn);
    const name = nonEmpty(b.name) ?? bucketArn?.replace(/^arn:[^:]*:s3:::/, '');
    if (name === undefined) return [];
    return [
      {
        type: 's3-bucket',
        id: name,
        arn: bucketArn ?? `arn:${scope.partition}:s3:::${name}`,
        accountId: scope.accountId,
        region: scope.region,
        tags: tagListToRecord(b.tags),
      },
    ];
  });
  if (buckets.length > 0) blocks.push({ kind: 'S3Bucket', resources: buckets });

  const eks = r.eksClusterDetails;
  const eksArn = nonEmpty(eks?.arn);
  const eksName = nonEmpty(eks?.name) ?? (eksArn !== undefined ? lastSegment(eksArn) : undefined);
  if (eks && eksName !== undefined) {
    blocks.push({
      kind: 'EKSCluster',
      resources: [
        {
          type: 'eks-cluster',
          id: eksName,
          arn: eksArn ?? `arn:${scope.partition}:eks:${scope.region}:${scope.accountId}:cluster/${eksName}`,
          accountId: scope.accountId,
          region: scope.region,
          tags: tagListToRecord(eks.tags),
        },
      ],
    });
  }

  const fn = r.lambdaDetails;
  const fnName = nonEmpty(fn?.functionName);
  if (fn && fnName !== undefined) {
    const arn = nonEmpty(fn.functionArn);
    blocks.push({
      kind: 'Lambda',
      resources: [
        {
          type: 'other',
          sourceType: 'Lambda',
          id: fnName,
          ...(arn !== undefined ? { arn } : {}),
          accountId: scope.accountId,
          region: scope.region,
          tags: tagListToRecord(fn.tags),
        },
      ],
    });
  }

  // The resource the finding is about first.
  blocks.sort((a, b) => Number(b.kind === r.resourceType) - Number(a.kind === r.resourceType));
  const resources = dedupe(blocks.flatMap((b) => b.resources));
  if (!blocks.some((b) => b.kind === r.resourceType)) {
    // A resource type cordon does not model (RDS, ECS, containers...): keep it visible as `other`.
    resources.unshift({
      type: 'other',
      sourceType: r.resourceType,
      id: r.resourceType,
      accountId: scope.accountId,
      region: scope.region,
      tags: {},
    });
  }
  return resources;
}

const INSTANCE_ID = /(?:^|\/)(i-[0-9a-f]{8,17})$/;
const ACCESS_KEY_RESOURCE_ID = /^AWS::IAM::AccessKey:(.*)$/;

/** One ASFF resource → cordon resources (usually one; an access key may yield the key and its user). */
function asffResource(r: AsffResource, finding: AsffFinding, findingRegion: string): Resource[] {
  const accountId = accountFromArn(r.Id) ?? finding.AwsAccountId;
  const resourceRegion = RegionSchema.safeParse(r.Region);
  const region = resourceRegion.success ? resourceRegion.data : findingRegion;
  const declared = nonEmpty(r.Partition);
  const partition =
    (declared && PARTITION.test(declared) ? declared : undefined) ??
    partitionFromArn(r.Id) ??
    partitionOf(region);
  const scope: Scope = { accountId, region, partition };
  const tags = readStringMap(r.Tags);
  const arn = r.Id.startsWith('arn:') ? r.Id : undefined;
  const base = { accountId, region, tags, ...(arn !== undefined ? { arn } : {}) };
  const d = r.Details;

  switch (r.Type) {
    case 'AwsEc2Instance': {
      const m = INSTANCE_ID.exec(r.Id);
      if (!m?.[1]) break;
      const details = d?.AwsEc2Instance;
      const vpcId = nonEmpty(details?.VpcId);
      const instance: Ec2InstanceResource = {
        ...base,
        type: 'ec2-instance',
        id: m[1],
        arn: arn ?? `arn:${partition}:ec2:${region}:${accountId}:instance/${m[1]}`,
        // ASFF lists interface ids only; all interfaces of an instance share its VPC.
        networkInterfaces: uniqueStrings(
          (details?.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId),
        ).map((id) => ({ id, securityGroupIds: [], ...(vpcId !== undefined ? { vpcId } : {}) })),
        securityGroupIds: [],
      };
      if (vpcId !== undefined) instance.vpcId = vpcId;
      const subnetId = nonEmpty(details?.SubnetId);
      if (subnetId !== undefined) instance.subnetId = subnetId;
      const profileArn = nonEmpty(details?.IamInstanceProfileArn);
      if (profileArn !== undefined) instance.instanceProfileArn = profileArn;
      return [instance];
    }
    case 'AwsIamUser': {
      const userName = nonEmpty(d?.AwsIamUser?.UserName) ?? lastSegment(r.Id);
      return [{ ...base, type: 'iam-user', id: userName, userName }];
    }
    case 'AwsIamAccessKey': {
      const details = d?.AwsIamAccessKey;
      const fromId = ACCESS_KEY_RESOURCE_ID.exec(r.Id)?.[1];
      const resources = principalResources(
        {
          userType: nonEmpty(details?.PrincipalType),
          userName: nonEmpty(details?.PrincipalName) ?? nonEmpty(details?.UserName),
          principalId: nonEmpty(details?.PrincipalId),
          accessKeyId: knownKeyId(details?.AccessKeyId) ?? knownKeyId(fromId),
        },
        scope,
      );
      return resources.map((res) => ({ ...res, tags }));
    }
    case 'AwsIamRole': {
      const roleName = nonEmpty(d?.AwsIamRole?.RoleName) ?? lastSegment(r.Id);
      return [{ ...base, type: 'iam-role', id: roleName, roleName }];
    }
    case 'AwsS3Bucket': {
      const name = r.Id.replace(/^arn:[^:]*:s3:::/, '');
      return [{ ...base, type: 's3-bucket', id: name, arn: arn ?? `arn:${partition}:s3:::${name}` }];
    }
    case 'AwsEksCluster': {
      const name = nonEmpty(d?.AwsEksCluster?.Name) ?? lastSegment(r.Id);
      return [{ ...base, type: 'eks-cluster', id: name }];
    }
    case 'AwsAccount': {
      const id = /(\d{12})/.exec(r.Id)?.[1] ?? finding.AwsAccountId;
      return [{ ...base, accountId: id, type: 'aws-account', id, root: false }];
    }
    default:
      break;
  }
  return [{ ...base, type: 'other', id: r.Id, sourceType: r.Type }];
}

/** Resources of an ASFF finding, in the finding's order. */
export function asffResources(finding: AsffFinding, findingRegion: string): Resource[] {
  return dedupe(finding.Resources.flatMap((r) => asffResource(r, finding, findingRegion)));
}
