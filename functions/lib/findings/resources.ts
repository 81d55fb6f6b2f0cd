/**
 * Resource extraction: GuardDuty `resource.*Details` and ASFF `Resources[]` → cordon's typed resources. What each
 * block or ASFF type means is the resource kinds' knowledge (resources/*.ts); this module only resolves where a
 * finding's resources live and puts them in order.
 */
import type { Resource } from './model.js';
import type { AsffFinding, GuardDutyFindingDetail } from './schemas.js';
import { readStringMap, RegionSchema } from './schemas.js';
import { parseArn, regionPartition } from '../kernel/arn.js';
import { ACCOUNT_ID } from '../kernel/ids.js';
import type { FindingScope } from '../resources/kind.js';
import { nonEmpty } from '../resources/kind.js';
import { otherResource } from '../resources/other.js';
import { GUARDDUTY_READERS, readAsffResource } from '../resources/registry.js';

/** Any partition-looking value (`aws`, `aws-cn`, `aws-iso-b`...): findings are read as the source wrote them. */
const PARTITION = /^aws[a-z-]{0,20}$/;

/** The account field of an ARN, when it is a 12-digit account id. */
function accountFromArn(arn: string): string | undefined {
  const account = parseArn(arn)?.account;
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}

function partitionFromArn(arn: string): string | undefined {
  const partition = parseArn(arn)?.partition;
  return partition !== undefined && PARTITION.test(partition) ? partition : undefined;
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
  const scope: FindingScope = {
    accountId: detail.accountId,
    region: detail.region,
    partition: detail.partition ?? regionPartition(detail.region),
  };
  const named = detail.resource.resourceType;
  const blocks = GUARDDUTY_READERS.flatMap((reader) => {
    const resources = reader.read(detail, scope);
    return resources === undefined ? [] : [{ block: reader.block, resources }];
  });
  // The resource the finding is about first.
  blocks.sort((a, b) => Number(b.block === named) - Number(a.block === named));
  const resources = dedupe(blocks.flatMap((b) => b.resources));
  if (!blocks.some((b) => b.block === named)) {
    // A resource type cordon does not model (RDS, ECS, containers...): keep it visible as `other`.
    resources.unshift(otherResource(scope, named, named));
  }
  return resources;
}

/** Resources of an ASFF finding, in the finding's order. */
export function asffResources(finding: AsffFinding, findingRegion: string): Resource[] {
  return dedupe(
    finding.Resources.flatMap((resource) => {
      const accountId = accountFromArn(resource.Id) ?? finding.AwsAccountId;
      const resourceRegion = RegionSchema.safeParse(resource.Region);
      const region = resourceRegion.success ? resourceRegion.data : findingRegion;
      const declared = nonEmpty(resource.Partition);
      const partition =
        (declared && PARTITION.test(declared) ? declared : undefined) ??
        partitionFromArn(resource.Id) ??
        regionPartition(region);
      return readAsffResource({
        resource,
        finding,
        scope: { accountId, region, partition },
        arn: resource.Id.startsWith('arn:') ? resource.Id : undefined,
        tags: readStringMap(resource.Tags),
      });
    }),
  );
}
