/**
 * The policy engine: which rule a finding matches (first match wins), what to do, and why.
 *
 * It is on the hot path of triage and of the benchmark (issue 7: at least 250,000 findings/s at 100 rules), so
 * the policy is compiled once into an index kept beside the CompiledPolicy:
 * - rules are bucketed by finding source and by the threat purpose of their type globs (the text before `:` of
 *   a GuardDuty type, e.g. `CryptoCurrency`), so a finding only visits rules that could match it;
 * - globs, account and region lists are precompiled into matchers and sets;
 * - a finding's resource types are reduced to a bit mask once.
 * The per-rule explanation of why earlier rules did not match is only computed when someone reads
 * `decision.explanation` (it is a lazy, enumerable property), so a plain evaluation allocates nothing beyond
 * the decision itself. Both paths use the same predicates, so they cannot disagree.
 */
import { getAction } from '../actions/registry.js';
import type { ActionDefinition } from '../actions/contract.js';
import { RESOURCE_TYPES, type Finding, type Resource } from '../findings/model.js';
import { compileGlob, literalPrefix, type Glob } from './glob.js';
import type {
  CompiledPolicy,
  CompiledRule,
  Decision,
  PlannedAction,
  PolicySettings,
  RuleExplanation,
} from './model.js';

const RESOURCE_BIT = new Map(RESOURCE_TYPES.map((type, index) => [type, 1 << index]));
const SOURCE_INDEX = { guardduty: 0, securityhub: 1 } as const;

interface TagCondition {
  key: string;
  /** undefined = any value (`*`). */
  value: string | undefined;
}

/** A rule compiled for evaluation. */
interface RuleProgram {
  rule: CompiledRule;
  /** Index of the rule in the policy (its order). */
  position: number;
  /** Bit 0 guardduty, bit 1 securityhub; 0 = any source. */
  sourceMask: number;
  products?: Set<string>;
  types?: Glob[];
  min?: number;
  max?: number;
  labels?: Set<string>;
  accountInclude?: Set<string>;
  accountExclude?: Set<string>;
  regionInclude?: Set<string>;
  regionExclude?: Set<string>;
  /** 0 = any resource type. */
  resourceMask: number;
  tags?: TagCondition[];
  /** Whether sample findings can match (the rule's `sample`, else the settings default). */
  sample: boolean;
  action?: ActionDefinition;
}

interface PolicyIndex {
  programs: RuleProgram[];
  /** Per source: rules whose type globs share a threat purpose, plus rules that any type can reach. */
  bySource: [Map<string, RuleProgram[]>, Map<string, RuleProgram[]>];
  /** Per source: rules any type can reach (for threat purposes no rule names). */
  unindexed: [RuleProgram[], RuleProgram[]];
  protectedGlobs: Glob[];
}

const indexes = new WeakMap<CompiledPolicy, PolicyIndex>();

/** The text before `:` of a type (GuardDuty's threat purpose), or undefined when a glob has none fixed. */
function threatPurpose(text: string): string | undefined {
  const colon = text.indexOf(':');
  return colon === -1 ? undefined : text.slice(0, colon);
}

function compileRule(rule: CompiledRule, position: number, settings: PolicySettings): RuleProgram {
  const m = rule.match;
  const program: RuleProgram = {
    rule,
    position,
    sourceMask: (m.sources ?? []).reduce((mask, s) => mask | (1 << SOURCE_INDEX[s]), 0),
    resourceMask: (m.resourceTypes ?? []).reduce((mask, t) => mask | (RESOURCE_BIT.get(t) ?? 0), 0),
    sample: m.sample ?? settings.includeSampleFindings,
  };
  if (m.products) program.products = new Set(m.products.map((p) => p.toLowerCase()));
  if (m.types) program.types = m.types.map(compileGlob);
  if (m.severity?.min !== undefined) program.min = m.severity.min;
  if (m.severity?.max !== undefined) program.max = m.severity.max;
  if (m.severity?.labels) program.labels = new Set(m.severity.labels);
  if (m.accounts?.include) program.accountInclude = new Set(m.accounts.include);
  if (m.accounts?.exclude) program.accountExclude = new Set(m.accounts.exclude);
  if (m.regions?.include) program.regionInclude = new Set(m.regions.include);
  if (m.regions?.exclude) program.regionExclude = new Set(m.regions.exclude);
  if (m.tags)
    program.tags = Object.entries(m.tags).map(([key, value]) => ({
      key,
      value: value === '*' ? undefined : value,
    }));
  const action = rule.action === undefined ? undefined : getAction(rule.action);
  if (action) program.action = action;
  return program;
}

function buildIndex(policy: CompiledPolicy): PolicyIndex {
  const programs = policy.rules.map((rule, position) => compileRule(rule, position, policy.settings));
  const purposes = new Set<string>();
  const purposesOf = new Map<RuleProgram, Set<string> | undefined>();
  for (const program of programs) {
    let keys: Set<string> | undefined = new Set();
    for (const glob of program.types ?? []) {
      const purpose = threatPurpose(literalPrefix(glob.source));
      if (purpose === undefined) {
        keys = undefined;
        break;
      }
      keys.add(purpose);
    }
    if (!program.types) keys = undefined;
    purposesOf.set(program, keys);
    for (const key of keys ?? []) purposes.add(key);
  }
  const bySource: PolicyIndex['bySource'] = [new Map(), new Map()];
  const unindexed: PolicyIndex['unindexed'] = [[], []];
  for (const source of [0, 1] as const) {
    const admits = (p: RuleProgram) => p.sourceMask === 0 || (p.sourceMask & (1 << source)) !== 0;
    unindexed[source] = programs.filter((p) => admits(p) && purposesOf.get(p) === undefined);
    for (const purpose of purposes) {
      bySource[source].set(
        purpose,
        programs.filter((p) => {
          if (!admits(p)) return false;
          const keys = purposesOf.get(p);
          return keys === undefined || keys.has(purpose);
        }),
      );
    }
  }
  return { programs, bySource, unindexed, protectedGlobs: policy.settings.protectedArns.map(compileGlob) };
}

function indexFor(policy: CompiledPolicy): PolicyIndex {
  let index = indexes.get(policy);
  if (!index) {
    index = buildIndex(policy);
    indexes.set(policy, index);
  }
  return index;
}

function resourceMaskOf(finding: Finding): number {
  let mask = 0;
  for (const resource of finding.resources) mask |= RESOURCE_BIT.get(resource.type) ?? 0;
  return mask;
}

function hasTags(resource: Resource, tags: TagCondition[]): boolean {
  for (const tag of tags) {
    const value = Object.hasOwn(resource.tags, tag.key) ? resource.tags[tag.key] : undefined;
    if (value === undefined || (tag.value !== undefined && value !== tag.value)) return false;
  }
  return true;
}

/** Resources the rule's resourceType and tags conditions select (all resources when it has neither). */
function selects(program: RuleProgram, resource: Resource): boolean {
  if (program.resourceMask !== 0 && (program.resourceMask & (RESOURCE_BIT.get(resource.type) ?? 0)) === 0)
    return false;
  return program.tags === undefined || hasTags(resource, program.tags);
}

function typeMatches(program: RuleProgram, type: string): boolean {
  const types = program.types;
  if (types === undefined) return true;
  for (const glob of types) if (glob.test(type)) return true;
  return false;
}

/**
 * The conditions of a rule, in the order explanations report them. Each returns undefined when it holds, or
 * the reason it does not. The fast path calls {@link holds}, which tests the same predicates without words.
 */
function firstFailure(program: RuleProgram, finding: Finding, resourceMask: number): string | undefined {
  const m = program.rule.match;
  if (program.sourceMask !== 0 && (program.sourceMask & (1 << SOURCE_INDEX[finding.source])) === 0) {
    return `source ${finding.source} is not ${listWords(m.sources ?? [])}`;
  }
  if (program.products && !program.products.has(finding.productName.toLowerCase())) {
    return `product ${JSON.stringify(finding.productName)} is not ${listWords(m.products ?? [])}`;
  }
  if (!typeMatches(program, finding.type)) {
    return `type ${JSON.stringify(finding.type)} matches none of ${(m.types ?? []).join(', ')}`;
  }
  const score = finding.severity.score;
  if (program.min !== undefined && score < program.min)
    return `severity ${score} is below min ${program.min}`;
  if (program.max !== undefined && score > program.max)
    return `severity ${score} is above max ${program.max}`;
  if (program.labels && !program.labels.has(finding.severity.label)) {
    return `severity label ${finding.severity.label} is not ${listWords(m.severity?.labels ?? [])}`;
  }
  if (program.accountInclude && !program.accountInclude.has(finding.accountId)) {
    return `account ${finding.accountId} is not in accounts.include (${[...program.accountInclude].join(', ')})`;
  }
  if (program.accountExclude?.has(finding.accountId))
    return `account ${finding.accountId} is in accounts.exclude`;
  if (program.regionInclude && !program.regionInclude.has(finding.region)) {
    return `region ${finding.region} is not in regions.include (${[...program.regionInclude].join(', ')})`;
  }
  if (program.regionExclude?.has(finding.region)) return `region ${finding.region} is in regions.exclude`;
  if (program.resourceMask !== 0 && (program.resourceMask & resourceMask) === 0) {
    const present = [...new Set(finding.resources.map((r) => r.type))];
    return `no resource of type ${listWords(m.resourceTypes ?? [])} (the finding has ${present.length > 0 ? present.join(', ') : 'no resources'})`;
  }
  if (program.tags && !finding.resources.some((r) => selects(program, r))) {
    const wanted = program.tags.map((t) => `${t.key}=${t.value ?? '*'}`).join(', ');
    return `no ${m.resourceTypes ? `${m.resourceTypes.join('/')} ` : ''}resource has the tags ${wanted}`;
  }
  if (finding.sample && !program.sample) {
    return 'it is a sample finding, and this rule does not count sample findings (set match.sample: true to include them)';
  }
  return undefined;
}

function holds(program: RuleProgram, finding: Finding, sourceBit: number, resourceMask: number): boolean {
  if (program.sourceMask !== 0 && (program.sourceMask & sourceBit) === 0) return false;
  if (finding.sample && !program.sample) return false;
  if (!typeMatches(program, finding.type)) return false;
  const score = finding.severity.score;
  if (program.min !== undefined && score < program.min) return false;
  if (program.max !== undefined && score > program.max) return false;
  if (program.labels && !program.labels.has(finding.severity.label)) return false;
  if (program.products && !program.products.has(finding.productName.toLowerCase())) return false;
  if (program.accountInclude && !program.accountInclude.has(finding.accountId)) return false;
  if (program.accountExclude?.has(finding.accountId)) return false;
  if (program.regionInclude && !program.regionInclude.has(finding.region)) return false;
  if (program.regionExclude?.has(finding.region)) return false;
  if (program.resourceMask !== 0 && (program.resourceMask & resourceMask) === 0) return false;
  if (program.tags) {
    for (const resource of finding.resources) if (selects(program, resource)) return true;
    return false;
  }
  return true;
}

function listWords(items: readonly string[]): string {
  return items.length === 1 ? String(items[0]) : `one of ${items.join(', ')}`;
}

/** What matched, in words, for the matching rule. */
function matchedOn(program: RuleProgram, finding: Finding): string {
  const m = program.rule.match;
  const parts: string[] = [];
  if (m.sources) parts.push(`source ${finding.source}`);
  if (m.products) parts.push(`product ${finding.productName}`);
  if (program.types) {
    const glob = program.types.find((g) => g.test(finding.type));
    parts.push(`type ${JSON.stringify(finding.type)} matches ${glob?.source ?? ''}`);
  }
  if (program.min !== undefined) parts.push(`severity ${finding.severity.score} >= min ${program.min}`);
  if (program.max !== undefined) parts.push(`severity ${finding.severity.score} <= max ${program.max}`);
  if (program.labels) parts.push(`severity label ${finding.severity.label}`);
  if (m.accounts) parts.push(`account ${finding.accountId}`);
  if (m.regions) parts.push(`region ${finding.region}`);
  if (m.resourceTypes) parts.push(`resource type ${m.resourceTypes.join('/')}`);
  if (program.tags) parts.push(`tags ${program.tags.map((t) => `${t.key}=${t.value ?? '*'}`).join(', ')}`);
  if (finding.sample) parts.push('sample findings included');
  return parts.length === 0 ? 'the rule has no conditions, so it matches every finding' : parts.join('; ');
}

/** A resource's ARN as given, or built from its identifiers, for protected-ARN globs. */
export function resourceArn(resource: Resource): string {
  if (resource.arn) return resource.arn;
  switch (resource.type) {
    case 'ec2-instance':
      return `arn:aws:ec2:${resource.region}:${resource.accountId}:instance/${resource.id}`;
    case 'iam-user':
      return `arn:aws:iam::${resource.accountId}:user/${resource.userName}`;
    case 'iam-access-key':
      // Protection of a key follows its owner: protecting a user protects the user's keys.
      return `arn:aws:iam::${resource.accountId}:user/${resource.userName}`;
    case 'iam-role':
      return `arn:aws:iam::${resource.accountId}:role/${resource.roleName}`;
    case 's3-bucket':
      return `arn:aws:s3:::${resource.id}`;
    case 'aws-account':
      return `arn:aws:iam::${resource.accountId}:root`;
    case 'eks-cluster':
      return `arn:aws:eks:${resource.region}:${resource.accountId}:cluster/${resource.id}`;
    default:
      return resource.id;
  }
}

function describeResource(resource: Resource): string {
  return `${resource.type} ${resource.id}`;
}

/** Why cordon must leave this resource alone according to the policy settings, or undefined. */
function exclusion(resource: Resource, settings: PolicySettings, protectedGlobs: Glob[]): string | undefined {
  if (resource.type === 'aws-account')
    return `left out ${describeResource(resource)}: cordon never contains an account or its root user`;
  const tag = settings.exemptionTag;
  const tagValue = Object.hasOwn(resource.tags, tag.key) ? resource.tags[tag.key] : undefined;
  if (tagValue !== undefined && (tag.value === undefined || tag.value === tagValue)) {
    return `left out ${describeResource(resource)}: it has the exemption tag ${tag.key}=${tagValue}`;
  }
  if (protectedGlobs.length > 0) {
    const arn = resourceArn(resource);
    const glob = protectedGlobs.find((g) => g.test(arn));
    if (glob)
      return `left out ${describeResource(resource)}: ${arn} matches protected ${JSON.stringify(glob.source)}`;
  }
  return undefined;
}

function plan(
  program: RuleProgram,
  finding: Finding,
  index: PolicyIndex,
  settings: PolicySettings,
): { actions: PlannedAction[]; reasons: string[] } {
  const rule = program.rule;
  const reasons = [`matched rule ${rule.name}: ${matchedOn(program, finding)}`];
  const actions: PlannedAction[] = [];
  const action = program.action;
  if (!action) {
    reasons.push(`rule ${rule.name} names no action (mode ${rule.mode})`);
    return { actions, reasons };
  }
  let unsupported = 0;
  let excluded = 0;
  for (const resource of finding.resources) {
    if (!selects(program, resource)) continue;
    // Accounts and root are named even though no action supports them: people ask why root was not contained.
    if (resource.type !== 'aws-account' && !action.resourceTypes.includes(resource.type)) {
      unsupported++;
      continue;
    }
    const why = exclusion(resource, settings, index.protectedGlobs);
    if (why) {
      excluded++;
      reasons.push(why);
      continue;
    }
    actions.push({ action: action.name, params: rule.params, resource });
  }
  if (actions.length === 0) {
    const present = [...new Set(finding.resources.map((r) => r.type))];
    reasons.push(
      excluded > 0 && unsupported === 0
        ? `rule ${rule.name} matched but every resource it applies to was left out; nothing to do`
        : `rule ${rule.name} matched but no resource fits action ${action.name}: it applies to ${action.resourceTypes.join(', ')}, the finding has ${present.length > 0 ? present.join(', ') : 'no resources'}`,
    );
  }
  return { actions, reasons };
}

function explain(index: PolicyIndex, finding: Finding, upTo: number): RuleExplanation[] {
  const resourceMask = resourceMaskOf(finding);
  const explanation: RuleExplanation[] = [];
  const last = Math.min(upTo, index.programs.length - 1);
  for (let i = 0; i <= last; i++) {
    const program = index.programs[i];
    if (!program) break;
    const reason = firstFailure(program, finding, resourceMask);
    explanation.push(
      reason === undefined
        ? { rule: program.rule.name, matched: true, reason: matchedOn(program, finding) }
        : { rule: program.rule.name, matched: false, reason },
    );
  }
  return explanation;
}

/** Define `explanation` as an enumerable property computed on first read (and then kept). */
function lazyExplanation(
  decision: Omit<Decision, 'explanation'>,
  compute: () => RuleExplanation[],
): Decision {
  let value: RuleExplanation[] | undefined;
  return Object.defineProperty(decision, 'explanation', {
    enumerable: true,
    configurable: true,
    get: () => (value ??= compute()),
    set: (next: RuleExplanation[]) => {
      value = next;
    },
  }) as Decision;
}

/**
 * Evaluate a finding against the policy: the first rule whose conditions all hold decides. The decision lists
 * one planned action per resource of the finding that the rule's action supports, leaving out (with a reason)
 * resources that carry the exemption tag, match a protected ARN, or are an account/root. `explanation` says,
 * for each rule up to the match (all rules when none matches), why it did or did not match.
 */
export function evaluatePolicy(policy: CompiledPolicy, finding: Finding): Decision {
  const index = indexFor(policy);
  const source = SOURCE_INDEX[finding.source];
  const purpose = threatPurpose(finding.type);
  const candidates =
    (purpose === undefined ? undefined : index.bySource[source].get(purpose)) ?? index.unindexed[source];
  const resourceMask = resourceMaskOf(finding);
  const sourceBit = 1 << source;
  for (const program of candidates) {
    if (!holds(program, finding, sourceBit, resourceMask)) continue;
    const { actions, reasons } = plan(program, finding, index, policy.settings);
    return lazyExplanation({ rule: program.rule.name, mode: program.rule.mode, actions, reasons }, () =>
      explain(index, finding, program.position),
    );
  }
  const reasons = [`no rule matched (${index.programs.length} evaluated)`];
  if (finding.sample && !policy.settings.includeSampleFindings) {
    reasons.push('this is a sample finding: only rules with match.sample: true count sample findings');
  }
  return lazyExplanation({ rule: null, mode: null, actions: [], reasons }, () =>
    explain(index, finding, index.programs.length - 1),
  );
}
