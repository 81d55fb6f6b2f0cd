/**
 * The policy engine: which rule a finding matches (first match wins), what to do, and why.
 *
 * It is on the hot path of triage and of the benchmark (issue 7: at least 250,000 findings/s at 100 rules, most
 * findings matching near the end), so the policy is compiled once into an index kept beside the CompiledPolicy:
 * - globs, account and region lists are precompiled into matchers and sets, and every rule into a "program"
 *   of one hidden class;
 * - per finding source and finding type (there are a few hundred GuardDuty types) the index remembers which
 *   rules the source and type admit, in order, so that a finding only tests the other conditions of those few
 *   rules (resource types through a bit mask computed once per finding);
 * - the explanation of a rule that fails on source or type depends on nothing else, so it is built once per
 *   type and shared (frozen) by every decision; the explanation of other failing rules depends on one finding
 *   value (score, account...), so it is cached per rule, condition and value.
 * The fast path ({@link holds}) and the explanation ({@link failingCondition}) test the same predicates, and a
 * property test checks that they agree.
 */
import { getAction } from '../actions/registry.js';
import type { ActionManifest } from '../actions/contract.js';
import { RESOURCE_TYPES, type Finding, type Resource } from '../findings/model.js';
import { accountExclusion, accountPasses, accountsOf, describeResource, exclusion } from './exclusions.js';
import { compileGlob, type Glob } from './glob.js';
import { hasTags, isEksNode, type TagCondition } from './selection.js';
import type {
  AccountRefusalEntry,
  CompiledPolicy,
  CompiledRule,
  Decision,
  PlannedAction,
  PolicySettings,
  Refusal,
  TagExemption,
  RuleExplanation,
} from './model.js';
import { kindOf } from '../resources/registry.js';

const RESOURCE_BIT = new Map(RESOURCE_TYPES.map((type, index) => [type, 1 << index]));
const SOURCE_INDEX = { guardduty: 0, securityhub: 1 } as const;

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
  /** `eksNode`: only EC2 instances that are (true) or are not (false) the node of the EKS pod the finding is about. */
  eksNode: boolean | undefined;
  /** Whether sample findings can match (the rule's `sample`, else the settings default). */
  sample: boolean;
  /** The parts of the "matched on" text that do not depend on the finding (resource types, tags). */
  staticMatchText: string;
  /** Per failing condition: finding value -> the shared explanation (see {@link failureExplanation}). */
  failures: (Map<string | number, RuleExplanation> | undefined)[];
  action?: ActionManifest;
}

interface PolicyIndex {
  programs: RuleProgram[];
  /** Per source: finding type -> what the source and type alone decide (see {@link TypeEntry}). */
  byType: [Map<string, TypeEntry>, Map<string, TypeEntry>];
  /** Distinct types remembered per source before the memo starts over (bounded against hostile input). */
  memoLimit: number;
  protectedGlobs: Glob[];
  /** Whether any rule has an `accounts` condition (only then are a finding's accounts worked out). */
  usesAccounts: boolean;
}

/** What the finding's source and type alone decide, for every rule. Built once per type, then shared. */
interface TypeEntry {
  /** Rules whose source and type conditions hold, in policy order: the only ones a finding must test further. */
  candidates: RuleProgram[];
  /** By rule position: the (frozen) explanation of a rule that fails on source or type; undefined otherwise. */
  failures: (RuleExplanation | undefined)[];
  /** By rule position: `type "X" matches G` for candidates whose rule has a type condition. */
  typeMatches: (string | undefined)[];
}

/** Upper bound on memo slots (types x rules) per source, so that a flood of invented types cannot exhaust memory. */
const MEMO_SLOTS = 2_000_000;

const indexes = new WeakMap<CompiledPolicy, PolicyIndex>();

function compileRule(rule: CompiledRule, position: number, settings: PolicySettings): RuleProgram {
  const m = rule.match;
  const program: RuleProgram = {
    rule,
    position,
    sourceMask: (m.sources ?? []).reduce((mask, s) => mask | (1 << SOURCE_INDEX[s]), 0),
    resourceMask: (m.resourceTypes ?? []).reduce((mask, t) => mask | (RESOURCE_BIT.get(t) ?? 0), 0),
    sample: m.sample ?? settings.includeSampleFindings,
    failures: [],
    staticMatchText: [
      ...(m.resourceTypes ? [`resource type ${m.resourceTypes.join('/')}`] : []),
      ...(m.tags
        ? [
            `tags ${Object.entries(m.tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`,
          ]
        : []),
      ...(m.eksNode !== undefined ? [m.eksNode ? 'an EKS node' : 'not an EKS node'] : []),
    ].join('; '),
    // Every field present from the start: one hidden class for all programs keeps the hot loop monomorphic.
    products: undefined,
    types: undefined,
    min: undefined,
    max: undefined,
    labels: undefined,
    accountInclude: undefined,
    accountExclude: undefined,
    regionInclude: undefined,
    regionExclude: undefined,
    tags: undefined,
    eksNode: m.eksNode,
    action: undefined,
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
  return {
    programs,
    byType: [new Map(), new Map()],
    memoLimit: Math.max(64, Math.floor(MEMO_SLOTS / Math.max(1, programs.length))),
    protectedGlobs: policy.settings.protectedArns.map(compileGlob),
    usesAccounts: programs.some((p) => p.accountInclude !== undefined || p.accountExclude !== undefined),
  };
}

const SOURCE_NAMES = ['guardduty', 'securityhub'] as const;

/** No rule has an `accounts` condition: a finding's accounts are never read. */
const NO_ACCOUNTS: readonly string[] = Object.freeze([]);

/** What source and type decide for each rule (memoised per source and type). */
function typeEntry(index: PolicyIndex, source: 0 | 1, type: string): TypeEntry {
  const memo = index.byType[source];
  let entry = memo.get(type);
  if (entry !== undefined) return entry;
  const candidates: RuleProgram[] = [];
  const failures: (RuleExplanation | undefined)[] = [];
  const typeMatch: (string | undefined)[] = [];
  const sourceBit = 1 << source;
  const quoted = JSON.stringify(type);
  for (const program of index.programs) {
    const m = program.rule.match;
    if (program.sourceMask !== 0 && (program.sourceMask & sourceBit) === 0) {
      const reason = `source ${SOURCE_NAMES[source]} is not ${listWords(m.sources ?? [])}`;
      failures.push(Object.freeze({ rule: program.rule.name, matched: false, reason }));
      typeMatch.push(undefined);
      continue;
    }
    const glob = program.types === undefined ? undefined : program.types.find((g) => g.test(type));
    if (program.types !== undefined && glob === undefined) {
      const reason = `type ${quoted} matches none of ${(m.types ?? []).join(', ')}`;
      failures.push(Object.freeze({ rule: program.rule.name, matched: false, reason }));
      typeMatch.push(undefined);
      continue;
    }
    failures.push(undefined);
    typeMatch.push(glob === undefined ? undefined : `type ${quoted} matches ${glob.source}`);
    candidates.push(program);
  }
  entry = { candidates, failures, typeMatches: typeMatch };
  if (memo.size >= index.memoLimit) memo.clear();
  memo.set(type, entry);
  return entry;
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

/** Resources the rule's resourceType, eksNode and tags conditions select (all resources when it has none). */
function selects(program: RuleProgram, resource: Resource): boolean {
  if (program.resourceMask !== 0 && (program.resourceMask & (RESOURCE_BIT.get(resource.type) ?? 0)) === 0)
    return false;
  if (program.eksNode !== undefined && !isEksNode(resource, program.eksNode)) return false;
  return program.tags === undefined || hasTags(resource, program.tags);
}

/** Conditions after source and type, in the order explanations report them; 0 = all hold. */
const enum Failure {
  None,
  Product,
  Min,
  Max,
  Label,
  AccountInclude,
  AccountExclude,
  RegionInclude,
  RegionExclude,
  ResourceType,
  Tags,
  Sample,
}

/**
 * The first condition of the rule that does not hold for the finding, in the order explanations report them,
 * for a rule whose source and type conditions hold ({@link typeEntry} explains the others). The fast path calls
 * {@link holds}, which tests the same predicates.
 */
function failingCondition(
  program: RuleProgram,
  finding: Finding,
  resourceMask: number,
  accounts: readonly string[],
): Failure {
  if (program.products && !program.products.has(finding.productName.toLowerCase())) return Failure.Product;
  const score = finding.severity.score;
  if (program.min !== undefined && score < program.min) return Failure.Min;
  if (program.max !== undefined && score > program.max) return Failure.Max;
  if (program.labels && !program.labels.has(finding.severity.label)) return Failure.Label;
  const include = program.accountInclude;
  if (include && !accounts.some((a) => include.has(a))) return Failure.AccountInclude;
  if (program.accountExclude && !accounts.some((a) => accountPasses(program, a)))
    return Failure.AccountExclude;
  if (program.regionInclude && !program.regionInclude.has(finding.region)) return Failure.RegionInclude;
  if (program.regionExclude?.has(finding.region)) return Failure.RegionExclude;
  if (program.resourceMask !== 0 && (program.resourceMask & resourceMask) === 0) return Failure.ResourceType;
  if ((program.tags || program.eksNode !== undefined) && !finding.resources.some((r) => selects(program, r)))
    return Failure.Tags;
  if (finding.sample && !program.sample) return Failure.Sample;
  return Failure.None;
}

/** The finding value a failure's wording depends on (with the rule), for caching the words. */
function failureKey(
  failure: Failure,
  finding: Finding,
  resourceMask: number,
  accounts: readonly string[],
): string | number {
  switch (failure) {
    case Failure.Product:
      return finding.productName;
    case Failure.Min:
    case Failure.Max:
      return finding.severity.score;
    case Failure.Label:
      return finding.severity.label;
    case Failure.AccountInclude:
    case Failure.AccountExclude:
      return accounts.join(',');
    case Failure.RegionInclude:
    case Failure.RegionExclude:
      return finding.region;
    case Failure.ResourceType:
      return resourceMask;
    default:
      return 0;
  }
}

/** Resource types present in a mask, in the model's order. */
function typesInMask(mask: number): string[] {
  return RESOURCE_TYPES.filter((type) => (mask & (RESOURCE_BIT.get(type) ?? 0)) !== 0);
}

/** The words for a failing condition. */
function failureText(
  failure: Failure,
  program: RuleProgram,
  finding: Finding,
  resourceMask: number,
  accounts: readonly string[],
): string {
  const m = program.rule.match;
  const score = finding.severity.score;
  switch (failure) {
    case Failure.None:
      return '';
    case Failure.Product:
      return `product ${JSON.stringify(finding.productName)} is not ${listWords(m.products ?? [])}`;
    case Failure.Min:
      return `severity ${score} is below min ${String(program.min)}`;
    case Failure.Max:
      return `severity ${score} is above max ${String(program.max)}`;
    case Failure.Label:
      return `severity label ${finding.severity.label} is not ${listWords(m.severity?.labels ?? [])}`;
    case Failure.AccountInclude:
      return `account ${accounts.join(', ')} is not in accounts.include (${(m.accounts?.include ?? []).join(', ')})`;
    case Failure.AccountExclude:
      return `account ${accounts.join(', ')} ${accounts.length > 1 ? 'are' : 'is'} in accounts.exclude`;
    case Failure.RegionInclude:
      return `region ${finding.region} is not in regions.include (${(m.regions?.include ?? []).join(', ')})`;
    case Failure.RegionExclude:
      return `region ${finding.region} is in regions.exclude`;
    case Failure.ResourceType: {
      const present = typesInMask(resourceMask);
      return `no resource of type ${listWords(m.resourceTypes ?? [])} (the finding has ${present.length > 0 ? present.join(', ') : 'no resources'})`;
    }
    case Failure.Tags: {
      const wanted = (program.tags ?? []).map((t) => `${t.key}=${t.value ?? '*'}`).join(', ');
      const node =
        m.eksNode === undefined ? '' : m.eksNode ? 'is an EKS node' : 'is an EC2 instance but no EKS node';
      return `no ${m.resourceTypes ? `${m.resourceTypes.join('/')} ` : ''}resource ${node}${node && wanted ? ' and ' : ''}${wanted ? `has the tags ${wanted}` : ''}`;
    }
    case Failure.Sample:
      return 'it is a sample finding, and this rule does not count sample findings (set match.sample: true to include them)';
  }
}

/** Distinct wordings remembered per rule and condition before that cache starts over. */
const MAX_CACHED_FAILURES = 256;

/**
 * The explanation of a rule the finding's type admits but that does not match. The wording depends only on the
 * rule, the failing condition and one finding value, so it is built once per (rule, condition, value), frozen
 * and shared: a policy whose rules all share a type family stays fast.
 */
function failureExplanation(
  program: RuleProgram,
  finding: Finding,
  resourceMask: number,
  accounts: readonly string[],
): RuleExplanation {
  const failure = failingCondition(program, finding, resourceMask, accounts);
  const key = failureKey(failure, finding, resourceMask, accounts);
  let cache = program.failures[failure];
  if (cache === undefined) {
    cache = new Map();
    program.failures[failure] = cache;
  }
  let entry = cache.get(key);
  if (entry === undefined) {
    entry = Object.freeze({
      rule: program.rule.name,
      matched: false,
      reason: failureText(failure, program, finding, resourceMask, accounts),
    });
    if (cache.size >= MAX_CACHED_FAILURES) cache.clear();
    cache.set(key, entry);
  }
  return entry;
}

/**
 * Whether every condition of the rule holds, except source and type: {@link typeEntry} only lists rules whose
 * source and type conditions already hold for this finding.
 */
function holds(
  program: RuleProgram,
  finding: Finding,
  resourceMask: number,
  accounts: readonly string[],
): boolean {
  if (finding.sample && !program.sample) return false;
  const score = finding.severity.score;
  if (program.min !== undefined && score < program.min) return false;
  if (program.max !== undefined && score > program.max) return false;
  if (program.labels && !program.labels.has(finding.severity.label)) return false;
  if (program.products && !program.products.has(finding.productName.toLowerCase())) return false;
  if (
    (program.accountInclude !== undefined || program.accountExclude !== undefined) &&
    !accounts.some((a) => accountPasses(program, a))
  )
    return false;
  if (program.regionInclude && !program.regionInclude.has(finding.region)) return false;
  if (program.regionExclude?.has(finding.region)) return false;
  if (program.resourceMask !== 0 && (program.resourceMask & resourceMask) === 0) return false;
  if (program.tags || program.eksNode !== undefined) {
    for (const resource of finding.resources) if (selects(program, resource)) return true;
    return false;
  }
  return true;
}

function listWords(items: readonly string[]): string {
  return items.length === 1 ? String(items[0]) : `one of ${items.join(', ')}`;
}

/** What matched, in words, for the matching rule. */
function matchedOn(
  program: RuleProgram,
  finding: Finding,
  typeMatch: string | undefined,
  accounts: readonly string[],
): string {
  // Concatenation rather than an array join: this runs once per matched finding, on the hot path.
  const m = program.rule.match;
  let text = m.sources ? `source ${finding.source}` : '';
  if (typeMatch !== undefined) text = join(text, typeMatch);
  if (m.products) text = join(text, `product ${finding.productName}`);
  if (program.min !== undefined)
    text = join(text, `severity ${finding.severity.score} >= min ${program.min}`);
  if (program.max !== undefined)
    text = join(text, `severity ${finding.severity.score} <= max ${program.max}`);
  if (program.labels) text = join(text, `severity label ${finding.severity.label}`);
  if (m.accounts)
    text = join(text, `account ${accounts.filter((a) => accountPasses(program, a)).join(', ')}`);
  if (m.regions) text = join(text, `region ${finding.region}`);
  if (program.staticMatchText !== '') text = join(text, program.staticMatchText);
  if (finding.sample) text = join(text, 'sample findings included');
  return text === '' ? 'the rule has no conditions, so it matches every finding' : text;
}

function join(text: string, part: string): string {
  return text === '' ? part : `${text}; ${part}`;
}

/**
 * The planned actions for the matching rule. Adds to `reasons` why resources were left out (account, exempt,
 * protected, root) and when no resource fits the action.
 */
function plan(
  program: RuleProgram,
  finding: Finding,
  index: PolicyIndex,
  settings: PolicySettings,
  reasons: string[],
  exemptedByTag: TagExemption[],
  refusedAccounts: AccountRefusalEntry[],
  refused: Refusal[],
): PlannedAction[] {
  const rule = program.rule;
  const actions: PlannedAction[] = [];
  const action = program.action;
  if (!action) {
    reasons.push(`rule ${rule.name} names no action (mode ${rule.mode})`);
    return actions;
  }
  let unsupported = 0;
  let excluded = 0;
  for (const resource of finding.resources) {
    if (!selects(program, resource)) continue;
    // Accounts and root are named even though no action supports them: people ask why root was not contained.
    if (!kindOf(resource).neverContained && !action.resourceTypes.includes(resource.type)) {
      unsupported++;
      continue;
    }
    // The account boundary first: a resource outside it is not cordon's to consider, not even as exempt.
    const refusal = accountExclusion(program, resource, finding, settings);
    if (refusal) {
      excluded++;
      reasons.push(`left out ${describeResource(resource)}: ${refusal.reason}`);
      refusedAccounts.push({ resource, action: action.name, ...refusal });
      refused.push({ resource, action: action.name, params: rule.params, ...refusal });
      continue;
    }
    const why = exclusion(resource, settings, index.protectedGlobs);
    if (why) {
      excluded++;
      reasons.push(why.reason);
      if (why.byTag) exemptedByTag.push({ resource, action: action.name, reason: why.reason });
      refused.push({
        resource,
        action: action.name,
        params: rule.params,
        code: why.code,
        reason: why.reason,
      });
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
  return actions;
}

function explain(
  index: PolicyIndex,
  entry: TypeEntry,
  finding: Finding,
  resourceMask: number,
  matched: RuleProgram | undefined,
  matchedReason: string,
  accounts: readonly string[],
): RuleExplanation[] {
  const last = matched ? matched.position : index.programs.length - 1;
  // Rules that fail on source or type share one frozen entry per type: copy them all, then fill in the few
  // rules the type admits (their failures are shared too, per failing condition and value).
  const explanation = entry.failures.slice(0, last + 1);
  for (const program of entry.candidates) {
    if (program.position > last) break;
    explanation[program.position] =
      program === matched
        ? { rule: program.rule.name, matched: true, reason: matchedReason }
        : failureExplanation(program, finding, resourceMask, accounts);
  }
  return explanation as RuleExplanation[];
}

/**
 * Evaluate a finding against the policy: the first rule whose conditions all hold decides. The decision lists
 * one planned action per resource of the finding that the rule's action supports, leaving out (with a reason)
 * resources that carry the exemption tag, match a protected ARN, or are an account/root. `explanation` says,
 * for each rule up to the match (all rules when none matches), why it did or did not match; the entries of
 * rules that did not match are shared between decisions and frozen.
 */
export function evaluatePolicy(policy: CompiledPolicy, finding: Finding): Decision {
  const index = indexFor(policy);
  const entry = typeEntry(index, SOURCE_INDEX[finding.source], finding.type);
  const resourceMask = resourceMaskOf(finding);
  const accounts = index.usesAccounts ? accountsOf(finding) : NO_ACCOUNTS;
  for (const program of entry.candidates) {
    if (!holds(program, finding, resourceMask, accounts)) continue;
    const rule = program.rule;
    const matchedReason = matchedOn(program, finding, entry.typeMatches[program.position], accounts);
    const reasons = [`matched rule ${rule.name}: ${matchedReason}`];
    const exemptedByTag: TagExemption[] = [];
    const refusedAccounts: AccountRefusalEntry[] = [];
    const refused: Refusal[] = [];
    const actions = plan(
      program,
      finding,
      index,
      policy.settings,
      reasons,
      exemptedByTag,
      refusedAccounts,
      refused,
    );
    return {
      rule: rule.name,
      mode: rule.mode,
      actions,
      reasons,
      exemptedByTag,
      refusedAccounts,
      refused,
      explanation: explain(index, entry, finding, resourceMask, program, matchedReason, accounts),
    };
  }
  const reasons = [`no rule matched (${index.programs.length} evaluated)`];
  if (finding.sample && !policy.settings.includeSampleFindings) {
    reasons.push('this is a sample finding: only rules with match.sample: true count sample findings');
  }
  return {
    rule: null,
    mode: null,
    actions: [],
    reasons,
    exemptedByTag: [],
    refusedAccounts: [],
    refused: [],
    explanation: explain(index, entry, finding, resourceMask, undefined, '', accounts),
  };
}
