/** `isolate-ec2-instance` apply, network part: describe, cordon's groups, flow cut, isolation (the critical path). */

import { settleAll } from '../../aws/errors.js';
import { CordonError } from '../../errors.js';
import { type BeforeState } from '../contract.js';
import { type StageSpec } from '../steps.js';
import { checkGuards } from '../guards.js';
import { convergeRules, createCordonGroup, findCordonGroups, groupName } from './groups.js';
import { changingOwnResources } from '../../aws/lease-guard.js';
import {
  GONE_STATES,
  ISOLATION_ID_TAG,
  describeInstance,
  sameGroups,
  type Ec2Before,
  type InstanceFacts,
} from './instance.js';
import { isolateInterfaces, rollBackFlowCut, RollbackFailedError, type SwapTarget } from './containment.js';
import { type ActionContext } from '../contract.js';
import { metadataBefore } from './metadata.js';
import {
  APPLY_STEPS,
  need,
  doneOrSkipped,
  skipped,
  parseBefore,
  modifyEniGroups,
  type Params,
  type ApplyWork,
} from './shared.js';

/**
 * A resumed run finds an interface in the recorded flow-cut group (a crash or a failure between the two swaps):
 * move it on to the isolation group, or back to its original groups when the instance may no longer be contained
 * (an exemption added since) or the isolation group cannot be reached. Returns what was repaired.
 */
async function repairFlowCut(
  ctx: ActionContext,
  work: ApplyWork,
  instance: InstanceFacts,
  recorded: Ec2Before,
  allowed: boolean,
): Promise<string[]> {
  const targets: SwapTarget[] = instance.enis.flatMap((eni) => {
    const groups = recorded.isolationGroups?.[eni.vpcId];
    if (groups?.flowCut === undefined || !eni.groups.includes(groups.flowCut)) return [];
    return [
      {
        eniId: eni.id,
        groups: eni.groups,
        isolation: groups.isolation,
        flowCut: groups.flowCut,
        original: recorded.networkInterfaces?.[eni.id]?.groups,
      },
    ];
  });
  if (targets.length === 0) return [];
  const sync = (): void => {
    for (const target of targets) {
      const eni = instance.enis.find((e) => e.id === target.eniId);
      if (eni) eni.groups = target.groups;
    }
  };
  try {
    if (allowed) {
      return await isolateInterfaces(ctx, instance.id, targets, (failure) => {
        work.containmentFailure = failure;
      });
    }
    const { restored, exposed } = await rollBackFlowCut(ctx, targets);
    if (exposed.length > 0) {
      const exposure = exposed.map((e) => e.eniId);
      work.containmentFailure = { code: 'ROLLBACK_FAILED', exposure };
      const message =
        `the instance may no longer be contained, and ${exposure.join(', ')} could not be moved out of cordon's ` +
        `ALLOW-ALL flow-cut group back to the original groups: ${exposed.map((e) => `${e.eniId}: ${e.reason}`).join('; ')}`;
      ctx.logger.error('ROLLBACK_FAILED: network interfaces left in the allow-all flow-cut group', {
        isolationId: ctx.isolationId,
        exposure,
        error: message,
      });
      throw new RollbackFailedError(message, exposure);
    }
    return restored.map((r) => `rolled back ${r}`);
  } finally {
    sync();
  }
}

export function networkStages(params: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: APPLY_STEPS.describe,
          async run({ work, before, ctx }) {
            const instance = await describeInstance(ctx.clients.ec2, work.instanceId);
            if (!instance || GONE_STATES.has(instance.state)) {
              return skipped(
                `instance ${work.instanceId} no longer exists (${instance?.state ?? 'not found'})`,
                {
                  halt: true,
                },
              );
            }
            const owner = instance.tags[ISOLATION_ID_TAG];
            if (owner !== undefined && owner !== ctx.isolationId) {
              return skipped(`instance is already contained by cordon isolation ${owner}`, { halt: true });
            }
            // Live tags win over the finding's copy: an exemption tag added since the finding still protects.
            const verdict = checkGuards(work.resource, ctx.guard, instance.tags);
            // First thing on a resumed run: an interface an interrupted run left in the allow-all group.
            const repaired = await repairFlowCut(ctx, work, instance, parseBefore(before), verdict.allowed);
            if (!verdict.allowed) {
              const note = repaired.length > 0 ? `; ${repaired.join(', ')}` : '';
              return skipped(`refused: ${verdict.reason}${note}`, { halt: true });
            }
            if (instance.enis.length === 0) {
              throw new CordonError(`instance ${instance.id} has no VPC network interface to isolate`);
            }
            work.instance = instance;
            const recorded = (before['networkInterfaces'] ?? {}) as Record<string, unknown>;
            const fresh = instance.enis.filter((eni) => recorded[eni.id] === undefined);
            const captured: BeforeState = {
              ...metadataBefore(params, instance),
              instance: { id: instance.id, state: instance.state },
              networkInterfaces: Object.fromEntries(
                instance.enis.map((eni) => [
                  eni.id,
                  { vpcId: eni.vpcId, deviceIndex: eni.deviceIndex, groups: eni.groups },
                ]),
              ),
            };
            const summary = instance.enis.map((eni) => `${eni.id} [${eni.groups.join(', ')}]`).join('; ');
            const repairNote =
              repaired.length > 0
                ? `; repaired interfaces left in the flow-cut group: ${repaired.join(', ')}`
                : '';
            if (fresh.length > 0) {
              return {
                status: 'done',
                detail: `recorded original groups: ${summary}${repairNote}`,
                before: captured,
              };
            }
            return repaired.length > 0
              ? { status: 'done', detail: `original groups already recorded${repairNote}`, before: captured }
              : skipped(`original groups already recorded; now: ${summary}`, { before: captured });
          },
        },
        {
          name: APPLY_STEPS.findGroups,
          async run({ work, ctx }) {
            work.cordonGroups = await findCordonGroups(ctx.clients.ec2);
            const list = work.cordonGroups.map((g) => `${g.groupId} (${g.role}, ${g.vpcId})`).join(', ');
            return skipped(
              `lookup only: ${work.cordonGroups.length} cordon group(s) in the region${list ? `: ${list}` : ''}`,
            );
          },
        },
      ],
    },
    {
      steps: [
        {
          name: APPLY_STEPS.ensureGroups,
          async run({ work, before, ctx }) {
            const instance = need(work.instance, 'the instance');
            const cordonIds = new Set(work.cordonGroups.map((g) => g.groupId));
            // Never let cordon's own group pass as an "original" group: release would restore the isolation.
            const recorded = parseBefore(before).networkInterfaces ?? {};
            for (const [eniId, eni] of Object.entries(recorded)) {
              const own = eni.groups.filter((g) => cordonIds.has(g));
              if (own.length > 0) {
                throw new CordonError(
                  `interface ${eniId} was already in cordon's group(s) ${own.join(', ')} when its original groups ` +
                    'were recorded, so they are unknown; restore its groups by hand, then re-run',
                  { code: 'ORIGINAL_GROUPS_UNKNOWN' },
                );
              }
            }
            const vpcIds = [...new Set(instance.enis.map((eni) => eni.vpcId))].sort();
            const roles = params.cutTrackedFlows
              ? (['isolation', 'flow-cut'] as const)
              : (['isolation'] as const);
            const changes: string[] = [];
            await settleAll(
              vpcIds.flatMap((vpcId) =>
                roles.map(async (role) => {
                  const wanted = groupName(ctx.guard.cordonResourcePrefix, role, vpcId);
                  const candidates = work.cordonGroups
                    .filter((g) => g.vpcId === vpcId && g.role === role)
                    .sort((a, b) => a.groupId.localeCompare(b.groupId));
                  let group = candidates[0];
                  if (!group) {
                    const created = await createCordonGroup(ctx.clients.ec2, {
                      prefix: ctx.guard.cordonResourcePrefix,
                      role,
                      vpcId,
                    });
                    group = created.group;
                    changes.push(
                      `${created.created ? 'created' : 'found (created concurrently)'} ${role} group ${group.groupId} (${wanted}) in ${vpcId}`,
                    );
                  }
                  work.chosenGroups.push(group);
                  const entry = work.groupsByVpc.get(vpcId) ?? { isolation: '' };
                  if (role === 'isolation') entry.isolation = group.groupId;
                  else entry.flowCut = group.groupId;
                  work.groupsByVpc.set(vpcId, entry);
                }),
              ),
            );
            const isolationGroups = Object.fromEntries(work.groupsByVpc);
            return doneOrSkipped(
              changes,
              `cordon's groups are in place: ${vpcIds.map((v) => `${v} → ${JSON.stringify(isolationGroups[v])}`).join(', ')}`,
              { before: { isolationGroups } },
            );
          },
        },
      ],
    },
    {
      // The group ids reach the record, with the exposure marker, while the rules are being set (one round trip).
      steps: [
        {
          name: APPLY_STEPS.groupRules,
          async run({ work, ctx }) {
            const changes: string[] = [];
            try {
              // Only cordon's own groups: these changes need no before-state write first (aws/lease-guard.ts).
              await changingOwnResources(() =>
                settleAll(
                  work.chosenGroups.map(async (group) => {
                    const converged = await convergeRules(ctx.clients.ec2, group);
                    if (converged) changes.push(`${group.role} group ${group.groupId}: ${converged}`);
                  }),
                ),
              );
            } catch (error) {
              work.settleGroupRules(false);
              throw error;
            }
            work.settleGroupRules(true);
            return doneOrSkipped(changes, "cordon's groups already have their rules");
          },
        },
        {
          name: APPLY_STEPS.cutFlows,
          // Interfaces sit in the allow-all flow-cut group until the isolation swap of the next stage.
          exposes: true,
          async run({ work, before, ctx }) {
            if (!params.cutTrackedFlows)
              return skipped('disabled (cutTrackedFlows=false): tracked flows live on');
            // The flow cut needs the flow-cut group's allow-all rules (set-isolation-group-rules, in parallel).
            if (!(await work.groupRulesSet)) {
              return skipped("cordon's groups did not get their rules: no interface was moved");
            }
            const instance = need(work.instance, 'the instance');
            const changes: string[] = [];
            const moved: SwapTarget[] = [];
            try {
              await settleAll(
                instance.enis.map(async (eni) => {
                  const groups = need(work.groupsByVpc.get(eni.vpcId), `cordon's groups for ${eni.vpcId}`);
                  const flowCut = need(groups.flowCut, 'the flow-cut group');
                  // Never step back from isolation to allow-all on a re-run.
                  if (sameGroups(eni.groups, [groups.isolation]) || sameGroups(eni.groups, [flowCut])) return;
                  await modifyEniGroups(ctx.clients.ec2, eni.id, [flowCut]);
                  eni.groups = [flowCut];
                  moved.push({
                    eniId: eni.id,
                    groups: eni.groups,
                    isolation: groups.isolation,
                    flowCut,
                    original: parseBefore(before).networkInterfaces?.[eni.id]?.groups,
                  });
                  changes.push(`${eni.id} → ${flowCut}`);
                }),
              );
            } catch (error) {
              // Some interfaces already sit in the allow-all group: never end the step with them there.
              if (moved.length > 0) {
                await isolateInterfaces(ctx, instance.id, moved, (failure) => {
                  work.containmentFailure = failure;
                });
                for (const target of moved) {
                  const eni = instance.enis.find((e) => e.id === target.eniId);
                  if (eni) eni.groups = target.groups;
                }
              }
              throw error;
            }
            return doneOrSkipped(changes, 'every interface is already past the flow cut');
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: APPLY_STEPS.isolate,
          async run({ work, before, ctx }) {
            const instance = need(work.instance, 'the instance');
            const recorded = parseBefore(before).networkInterfaces ?? {};
            const targets: SwapTarget[] = instance.enis.map((eni) => {
              const groups = need(work.groupsByVpc.get(eni.vpcId), `cordon's groups for ${eni.vpcId}`);
              return {
                eniId: eni.id,
                groups: eni.groups,
                isolation: groups.isolation,
                flowCut: groups.flowCut,
                original: recorded[eni.id]?.groups,
              };
            });
            try {
              return doneOrSkipped(
                await isolateInterfaces(ctx, instance.id, targets, (failure) => {
                  work.containmentFailure = failure;
                }),
                'every interface is already in the isolation group',
              );
            } finally {
              for (const target of targets) {
                const eni = instance.enis.find((e) => e.id === target.eniId);
                if (eni) eni.groups = target.groups;
              }
            }
          },
        },
      ],
    },
  ];
}
