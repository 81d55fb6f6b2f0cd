/**
 * The guard settings every path applies: policy exemptions and protected ARNs plus cordon's own identity.
 */
import type { GuardSettings } from '../actions/contract.js';
import type { PipelineConfig } from '../config.js';
import type { CompiledPolicy } from '../policy/model.js';

/** Guards from the policy settings and the deployment (resource prefix, member role). */
export function guardSettings(
  policy: CompiledPolicy,
  config: Pick<PipelineConfig, 'resourcePrefix' | 'memberRoleName'>,
): GuardSettings {
  return {
    exemptionTag: policy.settings.exemptionTag,
    protectedArns: policy.settings.protectedArns,
    cordonResourcePrefix: config.resourcePrefix,
    memberRoleName: config.memberRoleName,
  };
}
