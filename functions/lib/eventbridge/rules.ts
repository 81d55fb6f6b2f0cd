/**
 * The EventBridge rules that deliver events to cordon (`rules/*.json`), generated from the policy.
 *
 * The rules are a coarse prefilter, never the decision: triage evaluates the policy on every delivered finding.
 * So a pattern may let through more than the policy acts on, but must never drop a finding the policy acts on
 * (mode `notify` included). What the patterns filter on:
 * - sources and detail types;
 * - finding types, as exact values, prefixes or wildcards (GuardDuty `detail.type`; Security Hub
 *   `detail.findings.Types`, where GuardDuty's native type globs are translated to their ASFF forms);
 * - GuardDuty's minimum numeric severity (`detail.severity`);
 * - GuardDuty sample findings, when no rule counts them;
 * - Security Hub findings only while `Workflow.Status` is NEW and `RecordState` ACTIVE: cordon's own write-backs
 *   set NOTIFIED and re-emit an Imported event, which must not come back to triage (no loop).
 * Plus one custom-action rule that accepts only cordon's approve and reject action ARNs.
 *
 * `${account_id}`, `${region}` and `${partition}` are Terraform `templatefile` placeholders for the security
 * account, its region and the region's partition (`aws`, `aws-us-gov`, `aws-cn`; arn.ts); any other `${` or `%{` in a value is escaped (`$${`, `%%{`) exactly as Terraform expects.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledPolicy, CompiledRule } from '../policy/model.js';
import { compileGlob, literalPrefix } from '../policy/glob.js';
import { asffTypesForGuardDutyType, GUARDDUTY_FINDING_TYPES } from '../findings/guardduty-types.js';
import { LABEL_MIN_SCORE } from '../findings/severity.js';
import {
  GUARDDUTY_FINDING_DETAIL_TYPE,
  SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE,
  SECURITYHUB_IMPORTED_DETAIL_TYPE,
} from '../findings/schemas.js';
import {
  compilePattern,
  evaluateMatch,
  MAX_PATTERN_LENGTH,
  type CompiledPattern,
  type MatchOutcome,
} from './matcher.js';
import { ConfigurationError, InvalidEventPatternError } from '../errors.js';
import { regionPartition } from '../kernel/arn.js';

/** One rule file: one EventBridge pattern, delivered to the `triage` or `approve` Lambda. */
export interface RuleFile {
  /** File name without `.json`, e.g. `triage-guardduty`. */
  name: string;
  /** File name inside the rules directory, e.g. `triage-guardduty.json`. */
  file: string;
  target: 'triage' | 'approve';
  /** The event pattern, with `${account_id}` / `${region}` / `${partition}` placeholders where needed. */
  pattern: unknown;
}

/** Values for the Terraform placeholders. */
export interface RuleVars {
  account_id: string;
  region: string;
}

export const TRIAGE_GUARDDUTY = 'triage-guardduty';
export const TRIAGE_SECURITYHUB_IMPORTED = 'triage-securityhub-imported';
export const APPROVE_CUSTOM_ACTION = 'approve-custom-action';

/** Matches the rule files cordon generates (and therefore owns) in a rules directory. */
const RULE_FILE_NAME = /^(triage|approve)-[a-z0-9-]+\.json$/;

type Matcher = string | Record<string, unknown>;

/** Escape a value for Terraform `templatefile` (a literal `${` or `%{` would be read as template syntax). */
function templateEscape(value: string): string {
  // Replacement functions: in a replacement string `$$` would collapse to `$`.
  return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** Normalise a cordon glob to EventBridge terms: `?` widens to `*` (coarser, never narrower); no `**`. */
function widenGlob(glob: string): string {
  return glob.replace(/\?/g, '*').replace(/\*{2,}/g, '*');
}

/**
 * How precise type filters may be. EventBridge caps a field's wildcard complexity (a handful of leading-`*`
 * wildcards is the limit) and a pattern's length (4096), so patterns are built at the most precise tier that
 * fits, then coarser ones:
 * - every glob may use a wildcard;
 * - only the few globs that would cost most without one may (fewer and fewer);
 * - no wildcards: a wildcard becomes the prefix before its first `*` (or no filter), and GuardDuty globs on the
 *   Security Hub path keep only the reference table's exact ASFF types, so GuardDuty types newer than the table
 *   reach triage by the GuardDuty path only;
 * - no type filter at all (always valid: triage re-checks types against the policy).
 */
interface Tier {
  /** Globs allowed to become EventBridge wildcards. */
  wildcards: 'all' | ReadonlySet<string>;
}

function allowsWildcard(tier: Tier, glob: string): boolean {
  return tier.wildcards === 'all' || tier.wildcards.has(glob);
}

function isWildcard(m: Matcher): boolean {
  return typeof m !== 'string' && 'wildcard' in m;
}

/** The cheapest EventBridge matcher for a glob; undefined when it matches everything. */
function globMatcher(glob: string, allowWildcard = true): Matcher | undefined {
  const g = widenGlob(glob);
  if (/^\*+$/.test(g)) return undefined;
  const stars = g.split('*').length - 1;
  if (stars === 0) return templateEscape(g);
  if (stars === 1 && g.endsWith('*')) return { prefix: templateEscape(g.slice(0, -1)) };
  if (stars === 1 && g.startsWith('*')) return { suffix: templateEscape(g.slice(1)) };
  if (!allowWildcard) {
    const prefix = literalPrefix(g);
    return prefix === '' ? undefined : { prefix: templateEscape(prefix) };
  }
  // EventBridge wildcards treat `\` as an escape character; cordon globs have no escapes.
  return { wildcard: templateEscape(g.replace(/\\/g, '\\\\')) };
}

function sortUnique(matchers: Matcher[]): Matcher[] {
  const byKey = new Map(matchers.map((m) => [JSON.stringify(m), m]));
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
}

function directMatchers(glob: string, tier: Tier): Matcher[] | undefined {
  const m = globMatcher(glob, allowsWildcard(tier, glob));
  return m === undefined ? undefined : [m];
}

/**
 * ASFF `Types` matchers covering GuardDuty findings (seen through Security Hub) whose native type matches
 * `glob`: the regular mapped form (`Purpose:Resource/Family` → `*Purpose:Resource-Family`), the table's
 * irregular forms that it misses, and the embedded native form that attack sequences keep.
 */
function asffMatchersForGuardDutyGlob(glob: string, tier: Tier): Matcher[] | undefined {
  const g = widenGlob(glob);
  if (/^\*+$/.test(g)) return undefined;
  const out: Matcher[] = [];
  const covered: ((asff: string) => boolean)[] = [];
  const addHeuristic = (heuristicGlob: string): void => {
    const m = globMatcher(heuristicGlob);
    if (m === undefined || (isWildcard(m) && !allowsWildcard(tier, glob))) return;
    out.push(m);
    const compiled = compileGlob(heuristicGlob);
    covered.push((asff) => compiled.test(asff));
  };
  addHeuristic(widenGlob(`*${g.replace('/', '-')}`));
  const prefix = literalPrefix(g);
  const native = compileGlob(g);
  const attackSequence =
    (prefix !== '' && ('AttackSequence:'.startsWith(prefix) || prefix.startsWith('AttackSequence:'))) ||
    GUARDDUTY_FINDING_TYPES.some((t) => t.startsWith('AttackSequence:') && native.test(t));
  if (attackSequence) addHeuristic(`*${g}`);
  for (const type of GUARDDUTY_FINDING_TYPES) {
    if (!native.test(type)) continue;
    for (const asff of asffTypesForGuardDutyType(type)) {
      if (!covered.some((test) => test(asff))) out.push(templateEscape(asff));
    }
  }
  return out;
}

function productsAllow(rule: CompiledRule, guardDuty: boolean): boolean {
  const products = rule.match.products;
  if (products === undefined) return true;
  return products.some((p) => (p.toLowerCase() === 'guardduty') === guardDuty);
}

/** Whether the rule can match a GuardDuty finding (by either path). */
function canMatchGuardDuty(rule: CompiledRule): boolean {
  const sources = rule.match.sources;
  return (sources === undefined || sources.includes('guardduty')) && productsAllow(rule, true);
}

/** Whether the rule can match a finding of another Security Hub product. */
function canMatchOtherProducts(rule: CompiledRule): boolean {
  const sources = rule.match.sources;
  return (sources === undefined || sources.includes('securityhub')) && productsAllow(rule, false);
}

function admitsSamples(rule: CompiledRule, policy: CompiledPolicy): boolean {
  return rule.match.sample ?? policy.settings.includeSampleFindings;
}

/** The lowest score a rule can match (0 when unconstrained). Labels count from the bottom of their band. */
function minimumScore(rule: CompiledRule): number {
  const severity = rule.match.severity;
  if (severity === undefined) return 0;
  const fromLabels =
    severity.labels && severity.labels.length > 0
      ? Math.min(...severity.labels.map((l) => LABEL_MIN_SCORE[l]))
      : 0;
  return Math.max(severity.min ?? 0, fromLabels);
}

/**
 * Union of per-rule matchers: undefined (no filter) as soon as one rule is unconstrained, since the prefilter
 * must deliver everything any rule could act on. An empty union also means no filter (never an empty list).
 */
function unionMatchers(
  rules: readonly CompiledRule[],
  tier: Tier,
  toMatchers: (glob: string, tier: Tier) => Matcher[] | undefined,
): Matcher[] | undefined {
  const all: Matcher[] = [];
  for (const rule of rules) {
    const types = rule.match.types;
    if (types === undefined || types.length === 0) return undefined;
    for (const glob of types) {
      const matchers = toMatchers(glob, tier);
      if (matchers === undefined) return undefined;
      all.push(...matchers);
    }
  }
  return all.length === 0 ? undefined : sortUnique(all);
}

const CHECK_VARS: RuleVars = { account_id: '123456789012', region: 'us-east-1' };

function fitsAndCompiles(pattern: Record<string, unknown>): boolean {
  if (JSON.stringify(pattern).length > MAX_PATTERN_LENGTH) return false;
  try {
    compilePattern(fillPlaceholders(pattern, CHECK_VARS));
    return true;
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return false;
    throw error;
  }
}

/** Most wildcards kept in the intermediate tiers (EventBridge's complexity limit allows about four). */
const MAX_KEPT_WILDCARDS = 3;

/**
 * The pattern at the most precise tier that fits EventBridge's limits; without type filters as a last resort.
 * `globs` are ranked by what dropping their wildcard costs: losing the whole filter first, then length.
 */
function mostPrecise(
  globs: readonly string[],
  costWithoutWildcard: (glob: string) => number,
  build: (tier: Tier | undefined) => Record<string, unknown>,
): Record<string, unknown> {
  const ranked = [...new Set(globs)]
    .map((glob) => ({ glob, cost: costWithoutWildcard(glob) }))
    .filter((g) => g.cost > 0)
    .sort((a, b) => b.cost - a.cost || (a.glob < b.glob ? -1 : 1))
    .map((g) => g.glob);
  const tiers: Tier[] = [{ wildcards: 'all' }];
  for (let k = Math.min(MAX_KEPT_WILDCARDS, ranked.length); k >= 1; k -= 1) {
    tiers.push({ wildcards: new Set(ranked.slice(0, k)) });
  }
  tiers.push({ wildcards: new Set() });
  for (const tier of tiers) {
    const pattern = build(tier);
    if (fitsAndCompiles(pattern)) return pattern;
  }
  return build(undefined);
}

/** Characters a glob's matchers take without wildcards (a very large number when the filter would vanish). */
function costOfDirect(glob: string): number {
  const precise = globMatcher(glob, true);
  if (precise === undefined || !isWildcard(precise)) return 0;
  return globMatcher(glob, false) === undefined ? 1e9 : 1;
}

function costOfGuardDutyAsff(glob: string): number {
  const none: Tier = { wildcards: new Set() };
  const all: Tier = { wildcards: 'all' };
  const exact = asffMatchersForGuardDutyGlob(glob, none);
  const wild = asffMatchersForGuardDutyGlob(glob, all);
  if (exact === undefined || wild === undefined || !wild.some(isWildcard)) return 0;
  return JSON.stringify(exact).length;
}

function typeGlobs(rules: readonly CompiledRule[]): string[] {
  return rules.flatMap((r) => r.match.types ?? []);
}

function guardDutyRule(policy: CompiledPolicy, rules: readonly CompiledRule[]): RuleFile {
  const minScore = Math.min(...rules.map(minimumScore));
  const excludeSamples = !rules.some((r) => admitsSamples(r, policy));
  const pattern = mostPrecise(typeGlobs(rules), costOfDirect, (tier) => {
    const detail: Record<string, unknown> = {};
    const types = tier === undefined ? undefined : unionMatchers(rules, tier, directMatchers);
    if (types !== undefined) detail['type'] = types;
    if (minScore > 0) detail['severity'] = [{ numeric: ['>=', minScore] }];
    // GuardDuty marks generated sample findings with service.additionalInfo.sample = true.
    if (excludeSamples) detail['service'] = { additionalInfo: { sample: [{ exists: false }] } };
    const p: Record<string, unknown> = {
      source: ['aws.guardduty'],
      'detail-type': [GUARDDUTY_FINDING_DETAIL_TYPE],
    };
    if (Object.keys(detail).length > 0) p['detail'] = detail;
    return p;
  });
  return { name: TRIAGE_GUARDDUTY, file: `${TRIAGE_GUARDDUTY}.json`, target: 'triage', pattern };
}

const GUARDDUTY_PRODUCT_SUFFIX = ':product/aws/guardduty';

/**
 * Security Hub Imported findings. GuardDuty's findings and other products' findings are filtered separately
 * (an `$or` of two branches keyed on ProductArn) so that, say, a notify-all-GuardDuty rule does not open the
 * door to every compliance-control finding of Security Hub itself.
 */
function securityHubImportedRule(
  policy: CompiledPolicy,
  guardDutyRules: readonly CompiledRule[],
  otherRules: readonly CompiledRule[],
): RuleFile {
  const excludeGuardDutySamples = !guardDutyRules.some((r) => admitsSamples(r, policy));

  const globs = [...typeGlobs(guardDutyRules), ...typeGlobs(otherRules)];
  const gdGlobs = new Set(typeGlobs(guardDutyRules));
  const otherGlobs = new Set(typeGlobs(otherRules));
  const cost = (glob: string): number =>
    (gdGlobs.has(glob) ? costOfGuardDutyAsff(glob) : 0) + (otherGlobs.has(glob) ? costOfDirect(glob) : 0);
  const pattern = mostPrecise(globs, cost, (tier) => {
    const branches: Record<string, unknown>[] = [];
    let narrowed = false;
    if (guardDutyRules.length > 0) {
      const branch: Record<string, unknown> = { ProductArn: [{ suffix: GUARDDUTY_PRODUCT_SUFFIX }] };
      const types =
        tier === undefined ? undefined : unionMatchers(guardDutyRules, tier, asffMatchersForGuardDutyGlob);
      if (types !== undefined) branch['Types'] = types;
      if (excludeGuardDutySamples) {
        branch['ProductFields'] = { 'aws/guardduty/service/additionalInfo/sample': [{ exists: false }] };
      }
      narrowed ||= Object.keys(branch).length > 1;
      branches.push(branch);
    }
    if (otherRules.length > 0) {
      const branch: Record<string, unknown> = {
        ProductArn: [{ 'anything-but': { suffix: GUARDDUTY_PRODUCT_SUFFIX } }],
      };
      const types = tier === undefined ? undefined : unionMatchers(otherRules, tier, directMatchers);
      if (types !== undefined) branch['Types'] = types;
      narrowed ||= Object.keys(branch).length > 1;
      branches.push(branch);
    }
    let finding: Record<string, unknown> = {};
    if (branches.length === 1) finding = { ...branches[0] };
    // Both kinds of product, and at least one branch filters something: keep the filters apart.
    else if (narrowed) finding['$or'] = branches;
    // Write-back echoes (NOTIFIED, RESOLVED, SUPPRESSED) and archived findings never come back to triage.
    finding['Workflow'] = { Status: ['NEW'] };
    finding['RecordState'] = ['ACTIVE'];
    return {
      source: ['aws.securityhub'],
      'detail-type': [SECURITYHUB_IMPORTED_DETAIL_TYPE],
      detail: { findings: finding },
    };
  });
  return {
    name: TRIAGE_SECURITYHUB_IMPORTED,
    file: `${TRIAGE_SECURITYHUB_IMPORTED}.json`,
    target: 'triage',
    pattern,
  };
}

/**
 * `arn:${partition}:securityhub:${region}:${account_id}:action/custom/<Id>` for one of cordon's custom actions: one
 * file serves every partition (Terraform fills `${partition}` from the deployment's region).
 */
export function customActionArnTemplate(actionId: string): string {
  return `arn:\${partition}:securityhub:\${region}:\${account_id}:action/custom/${templateEscape(actionId)}`;
}

function customActionRule(policy: CompiledPolicy): RuleFile {
  const { approve, reject } = policy.settings.customActions;
  const arns = [...new Set([approve, reject])].map(customActionArnTemplate);
  return {
    name: APPROVE_CUSTOM_ACTION,
    file: `${APPROVE_CUSTOM_ACTION}.json`,
    target: 'approve',
    pattern: {
      source: ['aws.securityhub'],
      'detail-type': [SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE],
      resources: arns,
    },
  };
}

/**
 * Generate the rule files for a compiled policy: `triage-guardduty` (when a rule can match GuardDuty findings),
 * `triage-securityhub-imported` (when any rule exists) and `approve-custom-action` (always). Deterministic:
 * the same policy always yields byte-identical files (see {@link renderRuleFile}).
 *
 * @throws ConfigurationError if a generated pattern is invalid (a bug: it is checked with the matcher)
 */
export function buildRules(policy: CompiledPolicy): RuleFile[] {
  const guardDutyRules = policy.rules.filter(canMatchGuardDuty);
  const otherRules = policy.rules.filter(canMatchOtherProducts);
  const out: RuleFile[] = [];
  if (guardDutyRules.length > 0) out.push(guardDutyRule(policy, guardDutyRules));
  if (guardDutyRules.length > 0 || otherRules.length > 0) {
    out.push(securityHubImportedRule(policy, guardDutyRules, otherRules));
  }
  out.push(customActionRule(policy));
  for (const rule of out) {
    const json = JSON.stringify(rule.pattern);
    if (json.length > MAX_PATTERN_LENGTH) {
      throw new ConfigurationError(
        `generated rule ${rule.name} is ${json.length} characters (max ${MAX_PATTERN_LENGTH})`,
      );
    }
    try {
      compilePattern(fillPlaceholders(rule.pattern, CHECK_VARS));
    } catch (error) {
      throw new ConfigurationError(
        `generated rule ${rule.name} is not a valid event pattern: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The exact bytes of a rule file: pretty-printed JSON (2 spaces) with a trailing newline. */
export function renderRuleFile(rule: RuleFile): string {
  return `${JSON.stringify(rule.pattern, null, 2)}\n`;
}

/**
 * Read the rule files of a directory (`triage-*.json`, `approve-*.json`), sorted by name.
 *
 * @throws ConfigurationError when the directory cannot be read or a file is not JSON
 */
export function loadRuleFiles(dir = 'rules'): RuleFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => RULE_FILE_NAME.test(n));
  } catch (error) {
    throw new ConfigurationError(`cannot read rules directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return names.sort().map((file) => {
    const path = join(dir, file);
    let pattern: unknown;
    try {
      pattern = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigurationError(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const name = file.slice(0, -'.json'.length);
    return { name, file, target: name.startsWith('approve-') ? 'approve' : 'triage', pattern };
  });
}

/**
 * Fill the `${account_id}`, `${region}` and `${partition}` placeholders in every string of a pattern (the
 * partition is the region's, as Terraform's is), and unescape `$${` / `%%{`, as Terraform's `templatefile` does.
 * Returns a new value; the input is not modified.
 */
export function fillPlaceholders(pattern: unknown, vars: RuleVars): unknown {
  if (typeof pattern === 'string') {
    return pattern.replace(/\$\$\{|%%\{|\$\{(account_id|region|partition)\}/g, (match, name?: string) => {
      if (match === '$${') return '${';
      if (match === '%%{') return '%{';
      if (name === 'partition') return regionPartition(vars.region);
      return name === 'account_id' ? vars.account_id : vars.region;
    });
  }
  if (Array.isArray(pattern)) return pattern.map((p) => fillPlaceholders(p, vars));
  if (pattern !== null && typeof pattern === 'object') {
    return Object.fromEntries(Object.entries(pattern).map(([k, v]) => [k, fillPlaceholders(v, vars)]));
  }
  return pattern;
}

const compiledCache = new WeakMap<RuleFile, Map<string, CompiledPattern>>();

function compiledFor(rule: RuleFile, vars: RuleVars): CompiledPattern {
  let byVars = compiledCache.get(rule);
  if (!byVars) {
    byVars = new Map();
    compiledCache.set(rule, byVars);
  }
  const key = `${vars.account_id}\u0000${vars.region}`;
  let compiled = byVars.get(key);
  if (!compiled) {
    compiled = compilePattern(fillPlaceholders(rule.pattern, vars));
    // Bounded: a rule is matched against a handful of account/region pairs in practice.
    if (byVars.size > 64) byVars.clear();
    byVars.set(key, compiled);
  }
  return compiled;
}

function envelopeString(event: unknown, key: string): string {
  if (event === null || typeof event !== 'object') return '';
  const value: unknown = Object.getOwnPropertyDescriptor(event, key)?.value;
  return typeof value === 'string' ? value : '';
}

/**
 * Names of the rule files whose pattern matches `event`, i.e. which deployed rules would deliver it.
 *
 * @param vars - placeholder values; by default the event's own `account` and `region` (as if the rules were
 *   deployed in the account and region where the event is delivered)
 * @throws InvalidEventPatternError when a rule file's pattern is invalid
 */
export function rulesReachedBy(event: unknown, rules: readonly RuleFile[], vars?: RuleVars): string[] {
  const v = vars ?? { account_id: envelopeString(event, 'account'), region: envelopeString(event, 'region') };
  return rules.filter((rule) => compiledFor(rule, v).matches(event)).map((rule) => rule.name);
}

/** What `writeRuleFiles` did, by file path. */
export interface WriteReport {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Write the rule files into `dir` (created when missing), and remove generated files (`triage-*.json`,
 * `approve-*.json`) that the policy no longer produces. Other files are left alone.
 */
export function writeRuleFiles(rules: readonly RuleFile[], dir: string): WriteReport {
  mkdirSync(dir, { recursive: true });
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  const wanted = new Set(rules.map((r) => r.file));
  for (const existing of readdirSync(dir)
    .filter((n) => RULE_FILE_NAME.test(n))
    .sort()) {
    if (!wanted.has(existing)) {
      rmSync(join(dir, existing));
      report.removed.push(join(dir, existing));
    }
  }
  for (const rule of rules) {
    const path = join(dir, rule.file);
    const text = renderRuleFile(rule);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) {
      report.unchanged.push(path);
    } else {
      writeFileSync(path, text);
      report.written.push(path);
    }
  }
  return report;
}

/** One way in which a rules directory differs from what the policy generates. */
export type StaleRuleFile =
  | { path: string; problem: 'missing' | 'not generated by the policy' }
  /** The file's text and the text `build` would write, for a diff. */
  | { path: string; problem: 'differs'; actual: string; expected: string };

/** Compare `dir` with what {@link writeRuleFiles} would write; an empty list means up to date. */
export function staleRuleFiles(rules: readonly RuleFile[], dir: string): StaleRuleFile[] {
  const stale: StaleRuleFile[] = [];
  const existing = existsSync(dir) ? readdirSync(dir).filter((n) => RULE_FILE_NAME.test(n)) : [];
  const wanted = new Set(rules.map((r) => r.file));
  for (const rule of rules) {
    const path = join(dir, rule.file);
    if (!existsSync(path)) stale.push({ path, problem: 'missing' });
    else {
      const actual = readFileSync(path, 'utf8');
      const expected = renderRuleFile(rule);
      if (actual !== expected) stale.push({ path, problem: 'differs', actual, expected });
    }
  }
  for (const file of existing.sort()) {
    if (!wanted.has(file)) stale.push({ path: join(dir, file), problem: 'not generated by the policy' });
  }
  return stale;
}

/** Outcome of testing one event against one pattern, as `cordon rules match` reports it. */
export type { MatchOutcome };

/**
 * Test one event against one pattern. Placeholders in the pattern are filled from the event's `account` and
 * `region`, so a rule file from `rules/` can be tested as deployed in the event's account.
 */
export function matchOutcome(pattern: unknown, event: unknown): MatchOutcome {
  return evaluateMatch(asDeployedFor(pattern, event), event);
}

/** The pattern with its placeholders filled from the event's `account` and `region`. */
export function asDeployedFor(pattern: unknown, event: unknown): unknown {
  const vars = { account_id: envelopeString(event, 'account'), region: envelopeString(event, 'region') };
  return fillPlaceholders(pattern, vars);
}
