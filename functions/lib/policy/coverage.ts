/**
 * Policy coverage of GuardDuty's finding types: for each type of the reference table, what the policy decides for
 * a typical finding of it. The finding is a minimal GuardDuty event built from the kinds' example blocks for the
 * type's resource families (resources/guardduty-examples.ts), parsed by the real parser and decided by the real
 * evaluator, at the type's documented severity (or at Low, Medium and High when the documentation gives none or
 * says it varies). Each family is tried with its own block alone and with each block its findings may also carry
 * (an EKS finding's node, its Kubernetes user's role): the strongest decision is reported, with the family,
 * example and severity it needs.
 */
import { parseCsvLine } from '../findings/guardduty-type-table.js';
import { parseCordonEvent } from '../findings/index.js';
import { errorMessage } from '../errors.js';
import { evaluatePolicy } from './evaluate.js';
import type { CompiledPolicy, Mode } from './model.js';
import { KINDS } from '../resources/registry.js';
import { GUARDDUTY_EXAMPLES } from '../resources/guardduty-examples.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

/** One row of the reference table (scripts/data/guardduty-finding-types.csv). */
export interface FindingTypeRow {
  type: string;
  /** GuardDuty's `resource.resourceType` as documented (free text: `Instance | EKSCluster ...`). */
  resource: string;
  active: boolean;
  /** Documented severity label, or empty. */
  severity: string;
  /** GuardDuty documents that the severity varies (`Low*`: Low against the instance, High from it). */
  severityVaries: boolean;
}

/**
 * The example `resource` blocks of each GuardDuty resource family, from the kinds (resources/guardduty-examples.ts): the family's own block (the kind whose GuardDuty block the family names) alone, then with
 * each other kind's block that findings of the family carry (an EKS finding's node or Kubernetes user).
 */
function familyExamples(): ReadonlyMap<string, readonly Example[]> {
  const families = new Map<string, { own: Record<string, unknown>; others: Example[] }>();
  for (const kind of KINDS) {
    for (const example of GUARDDUTY_EXAMPLES[kind.type] ?? []) {
      for (const family of example.families) {
        const entry = families.get(family) ?? { own: {}, others: [] };
        families.set(family, entry);
        if (kind.guardDuty?.block === family) entry.own = { ...entry.own, ...example.resource };
        else entry.others.push({ kind: kind.type, resource: example.resource });
      }
    }
  }
  return new Map(
    [...families].map(([family, { own, others }]) => [
      family,
      [
        { kind: null, resource: own },
        ...others.map((o) => ({ kind: o.kind, resource: { ...own, ...o.resource } })),
      ],
    ]),
  );
}

interface Example {
  /** The kind whose block was added to the family's own; null: the family's own block alone. */
  kind: string | null;
  resource: Readonly<Record<string, unknown>>;
}

const SEVERITIES: Readonly<Record<string, number>> = { low: 2, medium: 5, high: 8 };
const MODE_STRENGTH: Readonly<Record<Mode, number>> = { notify: 1, approval: 2, auto: 3 };

/** What the policy decides for one finding type. */
export interface TypeCoverage {
  type: string;
  /**
   * The GuardDuty resource family (`resource.resourceType`) of the example that got the reported decision; null when
   * the type names no family a kind knows (attack sequences, backups).
   */
  family: string | null;
  /** The kind whose block the deciding example added to its family's own (an EKS node, a role session), if any. */
  example: string | null;
  rule: string | null;
  mode: Mode | null;
  actions: string[];
  /** The severities the example was decided at, and the one the reported decision needs. */
  severities: number[];
  decidedAt: number | null;
  /** The deciding rule names the type (by a type glob); false: a catch-all rule or no rule decides it. */
  named: boolean;
  /** Why the example could not be decided (a parser refusal), if so. */
  error?: string;
}

export interface CoverageReport {
  types: TypeCoverage[];
  /** Active types with a containment action (auto or approval, with at least one action). */
  contained: number;
  /** Active types that no rule names (they fall through to a catch-all rule or to nothing). */
  unnamed: string[];
}

/** Read the reference table. */
export function readFindingTypes(csv: string): FindingTypeRow[] {
  const [header, ...rows] = csv
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(parseCsvLine);
  const column = (name: string): number => header?.indexOf(name) ?? -1;
  const [type, resource, status, severity] = [
    'finding_type',
    'resource_type_api',
    'status',
    'severity_2022_doc',
  ].map(column);
  if ([type, resource, status, severity].some((i) => i === undefined || i < 0)) {
    throw new Error(
      'the finding-type table lacks finding_type, resource_type_api, status or severity_2022_doc',
    );
  }
  return rows
    .filter((row) => row.length > 1)
    .map((row) => ({
      type: row[type ?? 0] ?? '',
      resource: row[resource ?? 0] ?? '',
      active: (row[status ?? 0] ?? '') === 'active',
      severity: (row[severity ?? 0] ?? '').replace(/\*$/, ''),
      severityVaries: (row[severity ?? 0] ?? '').endsWith('*'),
    }));
}

/** The families a type's documented resource names that some kind has an example for, in the table's order. */
function familiesOf(resource: string, known: ReadonlyMap<string, unknown>): string[] {
  return [...new Set(resource.match(/[A-Za-z0-9]+/g) ?? [])].filter((word) => known.has(word));
}

function exampleEvent(
  type: string,
  family: string | null,
  resource: Readonly<Record<string, unknown>>,
  severity: number,
): Record<string, unknown> {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    version: '0',
    id: 'c0ffee00-0000-4000-8000-000000000000',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: ACCOUNT,
    time: now,
    region: REGION,
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: ACCOUNT,
      region: REGION,
      partition: 'aws',
      id: 'coverage0000000000000000000000000',
      arn: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/coverage/finding/coverage0000000000000000000000000`,
      type,
      severity,
      createdAt: now,
      updatedAt: now,
      title: `Example ${type} finding`,
      description: 'An example finding of this type, built by cordon policy coverage.',
      resource: { resourceType: family ?? 'Unknown', ...resource },
      service: { serviceName: 'guardduty', detectorId: 'coverage', count: 1, archived: false },
    },
  };
}

function decideType(
  policy: CompiledPolicy,
  row: FindingTypeRow,
  examples: ReadonlyMap<string, readonly Example[]>,
): TypeCoverage {
  const known = familiesOf(row.resource, examples);
  // A documented family no kind has an example for yet (no kind reads it) is still named, with no block.
  const first = /^[A-Za-z0-9]+/.exec(row.resource.trim())?.[0];
  const families = known.length > 0 ? known : first !== undefined ? [first] : [];
  const documented = row.severityVaries ? undefined : SEVERITIES[row.severity.toLowerCase()];
  const severities = documented !== undefined ? [documented] : [SEVERITIES['low'] ?? 2, 5, 8];
  const tries: { family: string | null; example: Example }[] =
    families.length === 0
      ? [{ family: null, example: { kind: null, resource: {} } }]
      : families.flatMap((family) =>
          (examples.get(family) ?? [{ kind: null, resource: {} }]).map((example) => ({ family, example })),
        );
  let best: TypeCoverage = {
    type: row.type,
    family: families[0] ?? null,
    example: null,
    rule: null,
    mode: null,
    actions: [],
    severities,
    decidedAt: null,
    named: false,
  };
  const strength = (d: { mode: Mode | null; actions: unknown[] }) =>
    (d.mode ? MODE_STRENGTH[d.mode] : 0) * 2 + (d.actions.length > 0 ? 1 : 0);
  for (const { family, example } of tries) {
    for (const severity of severities) {
      let finding;
      try {
        finding = parseCordonEvent(exampleEvent(row.type, family, example.resource, severity)).findings[0];
      } catch (error) {
        return { ...best, error: errorMessage(error) };
      }
      if (finding === undefined) continue;
      const decision = evaluatePolicy(policy, finding);
      if (best.decidedAt === null || strength(decision) > strength(best)) {
        const rule = policy.rules.find((r) => r.name === decision.rule);
        best = {
          ...best,
          family,
          example: example.kind,
          rule: decision.rule,
          mode: decision.mode,
          actions: [...new Set(decision.actions.map((a) => a.action))],
          decidedAt: severity,
          named: (rule?.match.types?.length ?? 0) > 0,
        };
      }
    }
  }
  return best;
}

/** Decide every active type of the table. */
export function policyCoverage(policy: CompiledPolicy, rows: readonly FindingTypeRow[]): CoverageReport {
  const examples = familyExamples();
  const types = rows.filter((row) => row.active).map((row) => decideType(policy, row, examples));
  return {
    types,
    contained: types.filter((t) => (t.mode === 'auto' || t.mode === 'approval') && t.actions.length > 0)
      .length,
    unnamed: types.filter((t) => !t.named).map((t) => t.type),
  };
}
