/**
 * GuardDuty finding types seen through Security Hub: ASFF `Types` carry a mapped form
 * (`TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce`); cordon's policies speak the native form
 * (`UnauthorizedAccess:EC2/SSHBruteForce`). The mapping is irregular, so it comes from AWS's table
 * (generated, compacted, into `guardduty-types.generated.ts`), with a conservative heuristic for types newer than
 * the table.
 */
import { decodeGuardDutyTypes } from './guardduty-type-table.js';
import { GUARDDUTY_TYPE_TABLE } from './guardduty-types.generated.js';
import { guardDutyProductArn } from '../kernel/arn.js';

// Expanded once at module load: a few hundred short strings, about a millisecond on a cold start.
const TABLE = decodeGuardDutyTypes(GUARDDUTY_TYPE_TABLE);

/** Security Hub (ASFF) `Types` entry → native GuardDuty finding type, from AWS's table. */
export const ASFF_TYPE_TO_GUARDDUTY_TYPE: ReadonlyMap<string, string> = TABLE.asffToNative;

/** Every GuardDuty finding type in the reference table (active and retired), sorted. */
export const GUARDDUTY_FINDING_TYPES: readonly string[] = TABLE.nativeTypes;

/** `arn:<partition>:securityhub:<region>::product/aws/guardduty`: GuardDuty's Security Hub product. */
const GUARDDUTY_PRODUCT_ARN = /^arn:aws[a-z-]*:securityhub:[a-z0-9-]*:\d{0,12}:product\/aws\/guardduty$/;

/** Whether an ASFF ProductArn is GuardDuty's. */
export function isGuardDutyProductArn(productArn: string): boolean {
  return GUARDDUTY_PRODUCT_ARN.test(productArn);
}

/** GuardDuty's Security Hub product ARN in a region (partition from the region: arn.ts). */
export { guardDutyProductArn };

/** Native type form `ThreatPurpose:ResourceType/ThreatFamily...`, e.g. `Backdoor:EC2/C&CActivity.B!DNS`. */
const NATIVE_TYPE = /^[A-Za-z0-9]+:[A-Za-z0-9]+\/\S+$/;
/** Mapped classifier form `ThreatPurpose:ResourceType-ThreatFamily...` (last ASFF type segment). */
const MAPPED_CLASSIFIER = /^([A-Za-z0-9]+):([A-Za-z0-9]+)-(\S+)$/;

/**
 * Recover the native GuardDuty type from ASFF `Types`. Returns undefined when nothing is recognisable.
 * Order: exact table lookup; an embedded native form (attack sequences keep the slash); the regular
 * `Purpose:Resource-Family` classifier turned back into `Purpose:Resource/Family`.
 */
export function guardDutyTypeFromAsffTypes(types: readonly string[]): string | undefined {
  for (const t of types) {
    const known = ASFF_TYPE_TO_GUARDDUTY_TYPE.get(t);
    if (known !== undefined) return known;
  }
  for (const t of types) {
    const segments = t.split('/');
    // Attack sequences keep the native form inside the ASFF type: `TTPs/AttackSequence:IAM/CompromisedCredentials`.
    for (let i = segments.length - 2; i >= 0; i -= 1) {
      const candidate = segments.slice(i).join('/');
      if (NATIVE_TYPE.test(candidate)) return candidate;
    }
    const classifier = segments[segments.length - 1] ?? '';
    const m = MAPPED_CLASSIFIER.exec(classifier);
    if (m) return `${m[1]}:${m[2]}/${m[3]}`;
  }
  return undefined;
}

let nativeToAsff: Map<string, string[]> | undefined;

/** Every ASFF type that the reference table maps to this native GuardDuty type. */
export function asffTypesForGuardDutyType(nativeType: string): string[] {
  if (!nativeToAsff) {
    nativeToAsff = new Map();
    for (const [asff, native] of ASFF_TYPE_TO_GUARDDUTY_TYPE) {
      const list = nativeToAsff.get(native) ?? [];
      list.push(asff);
      nativeToAsff.set(native, list);
    }
  }
  return [...(nativeToAsff.get(nativeType) ?? [])];
}
