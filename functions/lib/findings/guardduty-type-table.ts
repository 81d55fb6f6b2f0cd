/**
 * The compact form of AWS's table of GuardDuty finding types, and its decoding.
 *
 * Most Security Hub (ASFF) `Types` of a GuardDuty finding are regular: the native type
 * `<Purpose>:<Resource>/<Family>` under an ASFF namespace, with the slash turned into a dash
 * (`TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce` for `UnauthorizedAccess:EC2/SSHBruteForce`).
 * Writing every pair out in full made the table the largest part of cordon's own code in each Lambda bundle,
 * so `scripts/gen-guardduty-types.ts` stores each native type once, grouped by `<Purpose>:<Resource>`, with the
 * indexes of its namespaces, and only the irregular ASFF types in full. Both sides use {@link regularAsffType},
 * so they cannot disagree.
 */
import { CordonError } from '../errors.js';

/** The generated table (`guardduty-types.generated.ts`). */
export interface CompactGuardDutyTypes {
  /** ASFF namespaces of the regular ASFF types, e.g. `TTPs/Initial Access`, sorted. */
  readonly prefixes: readonly string[];
  /**
   * Every native GuardDuty type of the reference table (active and retired), `<Purpose>:<Resource>/<Family>`,
   * grouped by `<Purpose>:<Resource>` and sorted. Each family is followed by its ASFF types: a number is the
   * index into {@link prefixes} of a regular ASFF type, a string an irregular ASFF type written in full.
   */
  readonly types: Readonly<
    Record<string, readonly (readonly [family: string, ...asffTypes: (number | string)[]])[]>
  >;
}

/** The full table: what the reference CSV says, and what cordon looks types up in. */
export interface GuardDutyTypeTable {
  /** Security Hub (ASFF) `Types` entry → native GuardDuty finding type, in ASFF type order. */
  asffToNative: Map<string, string>;
  /** Every native GuardDuty finding type, sorted. */
  nativeTypes: string[];
}

/** `<Purpose>:<Resource>/<Family>`; the family may itself contain `/`-free punctuation (`C&CActivity.B!DNS`). */
const NATIVE_PARTS = /^([A-Za-z0-9]+):([A-Za-z0-9]+)\/(.+)$/;

/**
 * The regular ASFF type of a native type under a namespace prefix, or undefined when the native type does not
 * have the `<Purpose>:<Resource>/<Family>` shape.
 */
export function regularAsffType(prefix: string, nativeType: string): string | undefined {
  const m = NATIVE_PARTS.exec(nativeType);
  if (!m) return undefined;
  return `${prefix}/${m[1]}:${m[2]}-${m[3]}`;
}

/** Code-unit order, as the generator sorts (locale-independent, so the order never depends on the machine). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Expand the compact table.
 * @throws CordonError when the table is corrupt (an unknown prefix index or an ASFF type mapped twice): a
 * hand-edited table fails at load, not on a finding.
 */
export function decodeGuardDutyTypes(table: CompactGuardDutyTypes): GuardDutyTypeTable {
  const pairs: [string, string][] = [];
  const nativeTypes: string[] = [];
  for (const [group, families] of Object.entries(table.types)) {
    for (const [family, ...asffTypes] of families) {
      const nativeType = `${group}/${family}`;
      nativeTypes.push(nativeType);
      for (const entry of asffTypes) {
        const prefix = typeof entry === 'number' ? table.prefixes[entry] : undefined;
        const asff = typeof entry === 'string' ? entry : prefix && regularAsffType(prefix, nativeType);
        if (!asff) {
          throw new CordonError(`GuardDuty type table: ${nativeType} names an unknown prefix #${entry}`, {
            code: 'GUARDDUTY_TYPE_TABLE',
          });
        }
        pairs.push([asff, nativeType]);
      }
    }
  }
  pairs.sort(([a], [b]) => compareCodeUnits(a, b));
  const asffToNative = new Map<string, string>();
  for (const [asff, nativeType] of pairs) {
    if (asffToNative.has(asff)) {
      throw new CordonError(`GuardDuty type table: ASFF type ${asff} appears twice`, {
        code: 'GUARDDUTY_TYPE_TABLE',
      });
    }
    asffToNative.set(asff, nativeType);
  }
  return { asffToNative, nativeTypes };
}

/** Parse one CSV line (RFC 4180 quoting), enough for the reference table. */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells;
}
