/**
 * Policy coverage of GuardDuty's finding types: for each type of the reference table, what the policy decides for
 * a typical finding of it. The finding is a minimal GuardDuty event of the type's resource block, parsed by the
 * real parser and decided by the real evaluator, at the type's documented severity (or at Low, Medium and High
 * when the documentation gives none: the strongest decision is reported, with the severity it needs).
 */
import { parseCsvLine } from '../findings/guardduty-type-table.js';
import { parseCordonEvent } from '../findings/index.js';
import { errorMessage } from '../errors.js';
import { evaluatePolicy } from './evaluate.js';
import type { CompiledPolicy, Mode } from './model.js';

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
}

/** Minimal GuardDuty `resource` blocks naming an example resource, by `resourceType` (GuardDuty's event shapes). */
const RESOURCE_BLOCKS: Readonly<Record<string, Record<string, unknown>>> = {
  Instance: { instanceDetails: { instanceId: 'i-0123456789abcdef0', networkInterfaces: [], tags: [] } },
  AccessKey: {
    accessKeyDetails: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      principalId: 'AIDAEXAMPLEEXAMPLE',
      userName: 'example-user',
      userType: 'IAMUser',
    },
  },
  S3Bucket: {
    s3BucketDetails: [{ arn: 'arn:aws:s3:::example-bucket', name: 'example-bucket', type: 'Destination' }],
  },
  EKSCluster: {
    eksClusterDetails: {
      name: 'example-cluster',
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/example-cluster`,
    },
  },
  Lambda: {
    lambdaDetails: {
      functionName: 'example-function',
      functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:example-function`,
    },
  },
  RDSDBInstance: { rdsDbInstanceDetails: { dbInstanceIdentifier: 'example-db', engine: 'aurora-mysql' } },
  ECSCluster: {
    ecsClusterDetails: {
      name: 'example-cluster',
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/example-cluster`,
    },
  },
  Container: { containerDetails: { name: 'example-container', image: 'example:latest' } },
};
/** Documented resource names that are read through another block. */
const BLOCK_ALIASES: Readonly<Record<string, string>> = { S3Object: 'S3Bucket' };

const SEVERITIES: Readonly<Record<string, number>> = { low: 2, medium: 5, high: 8 };
const MODE_STRENGTH: Readonly<Record<Mode, number>> = { notify: 1, approval: 2, auto: 3 };

/** What the policy decides for one finding type. */
export interface TypeCoverage {
  type: string;
  /** The GuardDuty resource block the example finding names; null when the type names none (attack sequences). */
  family: string | null;
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
    }));
}

function blockOf(resource: string): string | null {
  const first = /^[A-Za-z0-9]+/.exec(resource.trim())?.[0];
  if (first === undefined) return null;
  const block = BLOCK_ALIASES[first] ?? first;
  return RESOURCE_BLOCKS[block] !== undefined ? block : null;
}

function exampleEvent(type: string, block: string | null, severity: number): Record<string, unknown> {
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
      resource: { resourceType: block ?? 'Unknown', ...(block ? RESOURCE_BLOCKS[block] : {}) },
      service: { serviceName: 'guardduty', detectorId: 'coverage', count: 1, archived: false },
    },
  };
}

function decideType(policy: CompiledPolicy, row: FindingTypeRow): TypeCoverage {
  const family = blockOf(row.resource);
  const documented = SEVERITIES[row.severity.toLowerCase()];
  const severities = documented !== undefined ? [documented] : [SEVERITIES['low'] ?? 2, 5, 8];
  let best: TypeCoverage = {
    type: row.type,
    family,
    rule: null,
    mode: null,
    actions: [],
    severities,
    decidedAt: null,
    named: false,
  };
  for (const severity of severities) {
    let finding;
    try {
      finding = parseCordonEvent(exampleEvent(row.type, family, severity)).findings[0];
    } catch (error) {
      return { ...best, error: errorMessage(error) };
    }
    if (finding === undefined) continue;
    const decision = evaluatePolicy(policy, finding);
    const strength = (d: { mode: Mode | null; actions: unknown[] }) =>
      (d.mode ? MODE_STRENGTH[d.mode] : 0) * 2 + (d.actions.length > 0 ? 1 : 0);
    if (best.decidedAt === null || strength(decision) > strength(best)) {
      const rule = policy.rules.find((r) => r.name === decision.rule);
      best = {
        ...best,
        rule: decision.rule,
        mode: decision.mode,
        actions: [...new Set(decision.actions.map((a) => a.action))],
        decidedAt: severity,
        named: (rule?.match.types?.length ?? 0) > 0,
      };
    }
  }
  return best;
}

/** Decide every active type of the table. */
export function policyCoverage(policy: CompiledPolicy, rows: readonly FindingTypeRow[]): CoverageReport {
  const types = rows.filter((row) => row.active).map((row) => decideType(policy, row));
  return {
    types,
    contained: types.filter((t) => (t.mode === 'auto' || t.mode === 'approval') && t.actions.length > 0)
      .length,
    unnamed: types.filter((t) => !t.named).map((t) => t.type),
  };
}
