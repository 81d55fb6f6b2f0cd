/**
 * cordon's isolation group (no rules at all, one per VPC; isolate-ec2-instance/groups.ts) as the actions that swap
 * a resource's security groups use it: making sure it exists and is intact before anything joins it, refusing to
 * record it as one of the resource's original groups, and working out what release puts back. Shared by
 * isolate-rds-instance and isolate-ecs-task, so the two never drift on any of it.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import { CordonError } from '../../errors.js';
import { convergeRules, createCordonGroup, type CordonGroup } from '../isolate-ec2-instance/groups.js';

/** The recorded groups already include cordon's isolation group: the originals are unknown. */
export class OriginalGroupsUnknownError extends CordonError {
  constructor(owner: string, groups: string[]) {
    super(
      `${owner} was already in cordon's group(s) ${groups.join(', ')} when its original groups were recorded, ` +
        'so they are unknown; restore its groups by hand, then re-run',
      { code: 'ORIGINAL_GROUPS_UNKNOWN' },
    );
  }
}

/** Whether two group lists hold the same groups, in any order. */
export function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((g, i) => g === sb[i]);
}

export function describeGroups(groups: readonly string[]): string {
  return groups.length === 0 ? 'no groups' : `[${groups.join(', ')}]`;
}

/**
 * Never let cordon's own group pass as an original group (release would restore the isolation).
 * @throws OriginalGroupsUnknownError when `originals` holds one of cordon's groups
 */
export function refuseCordonOriginals(
  found: readonly CordonGroup[],
  originals: readonly string[],
  owner: string,
): void {
  const cordonIds = new Set(found.map((g) => g.groupId));
  const own = originals.filter((g) => cordonIds.has(g));
  if (own.length > 0) throw new OriginalGroupsUnknownError(owner, own);
}

/**
 * The isolation group of `vpcId`: the one cordon found (lowest id first, so concurrent runs agree), else a new
 * one; its rules converged to none either way (a tampered group is repaired before it is used). `changes` says
 * what was done, empty when the group was in place.
 */
export async function ensureIsolationGroup(
  ec2: EC2,
  options: { found: readonly CordonGroup[]; vpcId: string; prefix: string },
): Promise<{ groupId: string; changes: string[] }> {
  const changes: string[] = [];
  let group = options.found
    .filter((g) => g.vpcId === options.vpcId && g.role === 'isolation')
    .sort((a, b) => a.groupId.localeCompare(b.groupId))[0];
  if (!group) {
    const created = await createCordonGroup(ec2, {
      prefix: options.prefix,
      role: 'isolation',
      vpcId: options.vpcId,
    });
    group = created.group;
    changes.push(
      `${created.created ? 'created' : 'found (created concurrently)'} isolation group ${group.groupId}`,
    );
  }
  const converged = await convergeRules(ec2, group);
  if (converged) changes.push(`isolation group ${group.groupId}: ${converged}`);
  return { groupId: group.groupId, changes };
}

/**
 * The groups to put back: the recorded ones when the live groups are cordon's isolation group only; when someone
 * changed them during the isolation, only cordon's group is taken out (or, without it, nothing is changed).
 */
export function groupsToRestore(
  live: readonly string[],
  recorded: readonly string[],
  isolationGroupId: string | undefined,
  owner: string,
): { groups?: string[]; detail: string; warning?: string } {
  if (sameGroups(live, recorded)) return { detail: `${owner} groups ${describeGroups(recorded)}, as before` };
  if (isolationGroupId === undefined || !live.includes(isolationGroupId)) {
    const detail = `${owner} groups were changed during the isolation (now ${describeGroups(live)}); left as they are`;
    return { detail, warning: detail };
  }
  if (live.length === 1)
    return { groups: [...recorded], detail: `${owner} groups → ${describeGroups(recorded)}` };
  const kept = live.filter((g) => g !== isolationGroupId);
  const detail = `${owner} groups were changed during the isolation: removed only ${isolationGroupId}, kept ${describeGroups(kept)}`;
  return { groups: kept, detail, warning: detail };
}
