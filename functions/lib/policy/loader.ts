/**
 * Loading a policy: read the YAML files, validate every part (collecting all issues, each at `file:line:col`),
 * merge the files in filename order, and compile the result once into a {@link CompiledPolicy}.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PolicyValidationError, type PolicyIssue } from '../errors.js';
import { ACTION_NAMES, getAction } from '../actions/registry.js';
import { findKind } from '../resources/registry.js';
import { EC2_INSTANCE } from '../resources/ec2-instance.js';
import type { ResourceType } from '../findings/model.js';
import { GUARDDUTY_FINDING_TYPES } from '../findings/guardduty-types.js';
import type { CompiledPolicy, CompiledRule, PolicySettings, RuleMatch, SourcePosition } from './model.js';
import { compileGlob, globProblem } from './glob.js';
import { shadowWarnings } from './shadowing.js';
import { formatPath, nearest, SourceMap, zodIssuesToPolicyIssues, type Path } from './diagnostics.js';
import {
  durationMinutes,
  fileSchema,
  matchSchema,
  ruleSchema,
  settingsSchema,
  type MatchInput,
  type RuleInput,
  type SettingsInput,
} from './schema.js';

/** Settings used for every key that no policy file sets. */
export const DEFAULT_POLICY_SETTINGS: PolicySettings = Object.freeze({
  exemptionTag: Object.freeze({ key: 'cordon:exempt', value: 'true' }),
  protectedArns: Object.freeze([]) as unknown as string[],
  limits: Object.freeze({ perAccountPerHour: 10, globalPerHour: 50 }),
  approvalExpiryMinutes: 24 * 60,
  customActions: Object.freeze({ approve: 'CordonApprove', reject: 'CordonReject' }),
  includeSampleFindings: false,
  incidentWindowMarginMinutes: 60,
  allowCrossAccountResources: false,
});

/**
 * GuardDuty finding types about the account's root user. cordon never contains root, so a rule that targets
 * these types with an action can never do anything and is rejected; such findings belong in a notify rule.
 */
export const ROOT_FINDING_TYPES: readonly string[] = [
  'Policy:IAMUser/RootCredentialUsage',
  'Policy:IAMUser/ShortTermRootCredentialUsage',
];

/** One policy file's text, named as it should appear in error messages. */
export interface PolicySource {
  file: string;
  text: string;
}

interface ParsedRule {
  input: RuleInput;
  path: Path;
  map: SourceMap;
  position: SourcePosition;
}

/** A rule's name with where it is, for every rule that has a valid name, even a rule with other errors. */
interface NamedRule {
  name: string;
  path: Path;
  map: SourceMap;
  parsed?: ParsedRule;
}

interface SettingEntry {
  key: keyof SettingsInput;
  value: unknown;
  position: SourcePosition;
}

/** The first line of a yaml error message, without the "at line N, column M" the position already gives. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The fields of `value` that pass their own schema. When one field of a rule is invalid, the checks that need
 * the registry still run on the others, so that an author sees every problem in one pass.
 */
function validFields<S extends z.ZodObject>(schema: S, value: unknown): Partial<z.output<S>> {
  const result: Record<string, unknown> = {};
  if (!isRecord(value)) return result as Partial<z.output<S>>;
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = field.safeParse(value[key]);
    if (parsed.success && parsed.data !== undefined) result[key] = parsed.data;
  }
  return result as Partial<z.output<S>>;
}

const actionList = (): string => ACTION_NAMES.join(', ');

/** Checks that need the registry or more than one field; zod has already checked each field's shape. */
function checkRule(rule: Partial<RuleInput>, path: Path, map: SourceMap, issues: PolicyIssue[]): void {
  const match: MatchInput = rule.match ?? {};
  const at = (sub: Path, message: string, options: { key?: boolean } = {}) =>
    issues.push(map.issue([...path, ...sub], message, options));
  const where = (sub: Path) => formatPath([...path, ...sub]);

  const severity = match.severity;
  if (severity) {
    if (severity.min === undefined && severity.max === undefined && severity.labels === undefined) {
      at(['match', 'severity'], `${where(['match', 'severity'])}: give min, max (0-10) or labels`);
    }
    if (severity.min !== undefined && severity.max !== undefined && severity.min > severity.max) {
      at(
        ['match', 'severity', 'min'],
        `${where(['match', 'severity'])}: min ${severity.min} is greater than max ${severity.max}`,
      );
    }
  }

  (match.type ?? []).forEach((glob, index) => {
    const problem = globProblem(glob);
    if (problem)
      at(
        ['match', 'type', index],
        `${where(['match', 'type', index])}: invalid glob ${JSON.stringify(glob)}: ${problem}`,
      );
  });

  for (const key of ['accounts', 'regions'] as const) {
    const filter = match[key];
    if (filter && !filter.include && !filter.exclude) {
      at(['match', key], `${where(['match', key])}: give include, exclude or both`);
    }
  }

  if (rule.action === undefined) {
    if (rule.mode !== undefined && rule.mode !== 'notify') {
      at(
        ['mode'],
        `${where(['mode'])}: mode ${rule.mode} needs an action (one of ${actionList()}); only mode notify may omit it`,
      );
    }
    if (rule.params !== undefined)
      at(['params'], `${where(['params'])}: params are only allowed with an action`, { key: true });
    return;
  }

  const action = getAction(rule.action);
  if (!action) {
    const suggestion = nearest(rule.action, ACTION_NAMES);
    const hint = suggestion ? ` did you mean "${suggestion}"?` : '';
    at(
      ['action'],
      `${where(['action'])}: unknown action "${rule.action}";${hint} valid actions: ${actionList()}`,
    );
    return;
  }

  const parsed = action.params.safeParse(rule.params ?? {}, { reportInput: true });
  if (!parsed.success) {
    issues.push(
      ...zodIssuesToPolicyIssues(parsed.error.issues, map, {
        schema: action.params,
        base: [...path, 'params'],
        unknownKey: (key) => `unknown parameter "${key}" for action ${action.name}`,
        noKeysHint: `action ${action.name} takes no parameters`,
      }),
    );
  }

  // Memory capture runs an SSM document on an instance: on any other kind it would silently never happen.
  if (rule.evidence?.memory !== undefined && !action.resourceTypes.includes(EC2_INSTANCE)) {
    at(
      ['evidence', 'memory'],
      `${where(['evidence', 'memory'])}: memory capture applies to EC2 instances only; action ${action.name} contains ${action.resourceTypes.join(', ')}. Remove evidence.memory from this rule`,
      { key: true },
    );
  }

  (match.resourceType ?? []).forEach((type, index) => {
    if (action.resourceTypes.includes(type)) return;
    const sub = ['match', 'resourceType', index];
    const never = findKind(type)?.neverContained;
    if (never) {
      at(
        sub,
        `${where(sub)}: resource type ${type} (${never.what}) can never be contained; no action applies to it. Use mode: notify without an action`,
      );
    } else {
      at(
        sub,
        `${where(sub)}: action ${action.name} does not apply to resource type ${type}; it applies to: ${action.resourceTypes.join(', ')}`,
      );
    }
  });

  (match.type ?? []).forEach((glob, index) => {
    if (globProblem(glob) || !/root/i.test(glob)) return;
    const compiled = compileGlob(glob);
    const rootType = ROOT_FINDING_TYPES.find((t) => compiled.test(t));
    if (rootType) {
      const sub = ['match', 'type', index];
      at(
        sub,
        `${where(sub)}: type ${JSON.stringify(glob)} matches root-user findings (${rootType}); cordon never contains root, so such a rule must use mode: notify without an action`,
      );
    }
  });
}

function checkSettings(settings: Partial<SettingsInput>, map: SourceMap, issues: PolicyIssue[]): void {
  (settings.protected ?? []).forEach((glob, index) => {
    const problem =
      globProblem(glob) ?? (glob.startsWith('arn:') ? undefined : 'an ARN glob starts with "arn:"');
    if (problem)
      issues.push(
        map.issue(
          ['settings', 'protected', index],
          `settings.protected[${index}]: invalid ARN glob ${JSON.stringify(glob)}: ${problem}`,
        ),
      );
  });
  const custom = settings.customActions;
  if (custom && custom.approve === custom.reject) {
    issues.push(
      map.issue(
        ['settings', 'customActions', 'reject'],
        `settings.customActions: approve and reject must be different ids, both are "${custom.approve}"`,
      ),
    );
  }
}

function parseFile(
  source: PolicySource,
  issues: PolicyIssue[],
  rules: ParsedRule[],
  settings: SettingEntry[],
  names: NamedRule[],
): void {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const map = new SourceMap(source.file, doc, lineCounter);
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = map.at(error.pos[0]);
      // yaml does not name the repeated key; the source at the error's position does.
      const key = /^[^:\n]*/.exec(source.text.slice(error.pos[0]))?.[0].trim();
      const message =
        error.code === 'DUPLICATE_KEY' && key
          ? `duplicate key "${key}": each key may appear only once in a mapping`
          : yamlMessage(error.message);
      issues.push({ file: source.file, line, col, message: `YAML syntax error: ${message}` });
    }
    return;
  }
  let data: unknown;
  try {
    // Bounded alias expansion: a "billion laughs" file must fail validation, not exhaust the Lambda's memory.
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    issues.push({
      file: source.file,
      line: 1,
      col: 1,
      message: `cannot read the YAML: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  if (data === null || data === undefined) {
    issues.push({
      file: source.file,
      line: 1,
      col: 1,
      message: 'the file is empty; a policy file starts with "version: 1"',
    });
    return;
  }
  const top = fileSchema.safeParse(data, { reportInput: true });
  if (!top.success)
    issues.push(...zodIssuesToPolicyIssues(top.error.issues, map, { schema: fileSchema, base: [] }));
  if (!isRecord(data)) return;

  if (data['settings'] !== undefined) {
    const parsed = settingsSchema.safeParse(data['settings'], { reportInput: true });
    if (!parsed.success) {
      issues.push(
        ...zodIssuesToPolicyIssues(parsed.error.issues, map, { schema: settingsSchema, base: ['settings'] }),
      );
      checkSettings(validFields(settingsSchema, data['settings']), map, issues);
    } else {
      checkSettings(parsed.data, map, issues);
      for (const key of Object.keys(parsed.data) as (keyof SettingsInput)[]) {
        settings.push({
          key,
          value: parsed.data[key],
          position: { file: source.file, ...map.position(['settings', key], { key: true }) },
        });
      }
    }
  }

  const items = data['rules'];
  if (!Array.isArray(items)) return;
  items.forEach((item, index) => {
    const path: Path = ['rules', index];
    const parsed = ruleSchema.safeParse(item, { reportInput: true });
    if (!parsed.success) {
      issues.push(...zodIssuesToPolicyIssues(parsed.error.issues, map, { schema: ruleSchema, base: path }));
      const partial = validFields(ruleSchema, item);
      if (partial.name !== undefined) names.push({ name: partial.name, path, map });
      if (isRecord(item) && partial.match === undefined)
        partial.match = validFields(matchSchema, item['match']);
      checkRule(partial, path, map, issues);
      return;
    }
    checkRule(parsed.data, path, map, issues);
    const rule = { input: parsed.data, path, map, position: { file: source.file, ...map.position(path) } };
    rules.push(rule);
    names.push({ name: parsed.data.name, path, map, parsed: rule });
  });
}

function compileSettings(entries: SettingEntry[], issues: PolicyIssue[]): PolicySettings {
  const seen = new Map<string, SourcePosition>();
  const settings: PolicySettings = {
    ...DEFAULT_POLICY_SETTINGS,
    exemptionTag: { ...DEFAULT_POLICY_SETTINGS.exemptionTag },
    protectedArns: [],
    limits: { ...DEFAULT_POLICY_SETTINGS.limits },
    customActions: { ...DEFAULT_POLICY_SETTINGS.customActions },
  };
  for (const entry of entries) {
    const first = seen.get(entry.key);
    if (first) {
      issues.push({
        ...entry.position,
        message: `settings.${entry.key} is already defined at ${first.file}:${first.line}:${first.col}; each setting may be defined in only one file`,
      });
      continue;
    }
    seen.set(entry.key, entry.position);
    const value = entry.value as SettingsInput[typeof entry.key];
    switch (entry.key) {
      case 'exemptionTag':
        settings.exemptionTag = { ...(value as NonNullable<SettingsInput['exemptionTag']>) };
        break;
      case 'protected':
        settings.protectedArns = [...(value as string[])];
        break;
      case 'limits': {
        const limits = value as NonNullable<SettingsInput['limits']>;
        settings.limits = {
          perAccountPerHour: limits.autoPerAccountPerHour ?? settings.limits.perAccountPerHour,
          globalPerHour: limits.autoGlobalPerHour ?? settings.limits.globalPerHour,
        };
        break;
      }
      case 'approvalExpiry':
        settings.approvalExpiryMinutes = durationMinutes(value as string);
        break;
      case 'customActions':
        settings.customActions = { ...(value as NonNullable<SettingsInput['customActions']>) };
        break;
      case 'includeSampleFindings':
        settings.includeSampleFindings = value as boolean;
        break;
      case 'incidentWindowMarginMinutes':
        settings.incidentWindowMarginMinutes = value as number;
        break;
      case 'allowCrossAccountResources':
        settings.allowCrossAccountResources = value as boolean;
        break;
      case 'memberAccounts':
        settings.memberAccounts = [...new Set(value as string[])];
        break;
      case 'identityCenter':
        settings.identityCenter = { ...(value as NonNullable<SettingsInput['identityCenter']>) };
        break;
    }
  }
  return settings;
}

function compileMatch(match: MatchInput | undefined): RuleMatch {
  const result: RuleMatch = {};
  if (!match) return result;
  if (match.source) result.sources = [...match.source];
  if (match.product) result.products = [...match.product];
  if (match.type) result.types = [...match.type];
  if (match.severity)
    result.severity = {
      ...match.severity,
      ...(match.severity.labels ? { labels: [...match.severity.labels] } : {}),
    };
  if (match.resourceType) result.resourceTypes = [...match.resourceType] as ResourceType[];
  if (match.accounts) result.accounts = { ...match.accounts };
  if (match.regions) result.regions = { ...match.regions };
  if (match.tags) result.tags = { ...match.tags };
  if (match.eksNode !== undefined) result.eksNode = match.eksNode;
  if (match.sample !== undefined) result.sample = match.sample;
  return result;
}

/** Whether a glob is written like a native GuardDuty type (`ThreatPurpose:ResourceType/...`). */
const GUARDDUTY_TYPE_SHAPE = /^[A-Za-z]+:[A-Za-z0-9]+\//;

/**
 * Type globs written like GuardDuty types that match no GuardDuty type cordon knows: usually a typo (types are
 * case-sensitive), which would make the rule silently never match. A warning, not an error, because GuardDuty
 * adds types faster than cordon's table follows.
 */
function typeWarnings(parsed: ParsedRule): PolicyIssue[] {
  const match = parsed.input.match;
  if (!match?.type || (match.source !== undefined && !match.source.includes('guardduty'))) return [];
  const warnings: PolicyIssue[] = [];
  match.type.forEach((glob, index) => {
    if (!GUARDDUTY_TYPE_SHAPE.test(glob)) return;
    const compiled = compileGlob(glob);
    if (GUARDDUTY_FINDING_TYPES.some((t) => compiled.test(t))) return;
    const lower = compileGlob(glob.toLowerCase());
    const sameButCase = GUARDDUTY_FINDING_TYPES.find((t) => lower.test(t.toLowerCase()));
    const close =
      glob.includes('*') || glob.includes('?') ? undefined : nearest(glob, GUARDDUTY_FINDING_TYPES);
    const hint = sameButCase
      ? `; types are case-sensitive: did you mean one like "${sameButCase}"?`
      : close
        ? `; did you mean "${close}"?`
        : '';
    const path = [...parsed.path, 'match', 'type', index];
    warnings.push(
      parsed.map.issue(
        path,
        `${formatPath(path)}: ${JSON.stringify(glob)} matches no known GuardDuty finding type${hint}`,
      ),
    );
  });
  return warnings;
}

/** Issues in file order, then by position, so that authors can fix them top to bottom. */
function sortIssues(issues: PolicyIssue[], files: PolicySource[]): PolicyIssue[] {
  const order = new Map(files.map((f, i) => [f.file, i]));
  return [...issues].sort(
    (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col,
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validate and compile policy files given as text (merged in the order given). Used by the Lambdas (the
 * policy is bundled), the API's dry run and tests.
 *
 * @throws PolicyValidationError with every issue found, each at `file:line:col`.
 */
export function loadPolicyFromStrings(files: PolicySource[]): CompiledPolicy {
  const issues: PolicyIssue[] = [];
  const parsedRules: ParsedRule[] = [];
  const settingEntries: SettingEntry[] = [];
  const namedRules: NamedRule[] = [];
  for (const file of files) parseFile(file, issues, parsedRules, settingEntries, namedRules);
  const settings = compileSettings(settingEntries, issues);

  // Names are checked over every rule, valid or not, so a duplicate is reported in the same run as a schema error.
  const firstByName = new Map<string, SourcePosition>();
  const duplicates = new Set<ParsedRule>();
  for (const named of namedRules) {
    const first = firstByName.get(named.name);
    if (first) {
      issues.push(
        named.map.issue(
          [...named.path, 'name'],
          `${formatPath([...named.path, 'name'])}: duplicate rule name "${named.name}", first defined at ${first.file}:${first.line}:${first.col}`,
        ),
      );
      if (named.parsed) duplicates.add(named.parsed);
      continue;
    }
    firstByName.set(named.name, { file: named.map.file, ...named.map.position([...named.path, 'name']) });
  }

  const rules: CompiledRule[] = [];
  for (const parsed of parsedRules) {
    if (duplicates.has(parsed)) continue;
    const { input } = parsed;
    const action = input.action === undefined ? undefined : getAction(input.action);
    if (action?.target === 'identity-center' && settings.identityCenter === undefined) {
      issues.push(
        parsed.map.issue(
          [...parsed.path, 'action'],
          `${formatPath([...parsed.path, 'action'])}: ${action.name} runs in the account that administers IAM Identity Center; set settings.identityCenter: { accountId, region }`,
        ),
      );
    }
    const params = action ? action.params.safeParse(input.params ?? {}) : undefined;
    rules.push({
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      match: compileMatch(input.match),
      ...(input.action === undefined ? {} : { action: input.action }),
      params: params?.success ? (params.data as Record<string, unknown>) : {},
      mode: input.mode,
      ...(input.evidence === undefined ? {} : { evidence: input.evidence }),
      position: parsed.position,
    });
  }

  if (issues.length === 0 && rules.length === 0) {
    const file = files[0]?.file ?? '(no files)';
    issues.push({
      file,
      line: 1,
      col: 1,
      message: 'the policy has no rules; add at least one rule under "rules:"',
    });
  }
  if (issues.length > 0) throw new PolicyValidationError(sortIssues(issues, files));
  const warnings = sortIssues(
    [...parsedRules.flatMap(typeWarnings), ...shadowWarnings(rules, settings)],
    files,
  );
  return deepFreeze({ files: files.map((f) => f.file), settings, rules, warnings });
}

/** The policy files a path stands for: a file itself, or a directory's `*.yaml`/`*.yml` files in filename order. */
export function listPolicyFiles(paths: readonly string[], issues: PolicyIssue[] = []): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.push({
        file: path,
        line: 1,
        col: 1,
        message: code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${code ?? String(error)}`,
      });
      continue;
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const names = readdirSync(path)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
    if (names.length === 0)
      issues.push({
        file: path,
        line: 1,
        col: 1,
        message: 'no policy files (*.yaml, *.yml) in this directory',
      });
    files.push(...names.map((name) => join(path, name)));
  }
  return files;
}

/**
 * Load, validate and compile the policy at `paths` (files or directories; a directory's YAML files are merged in
 * filename order). Compile once and reuse the result: evaluation caches its indexes on it.
 *
 * @throws PolicyValidationError with every issue found, each at `file:line:col`.
 */
export function loadPolicy(paths: readonly string[] = ['policies']): CompiledPolicy {
  const issues: PolicyIssue[] = [];
  const files = listPolicyFiles(paths, issues);
  const sources: PolicySource[] = [];
  for (const file of files) {
    try {
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.push({ file, line: 1, col: 1, message: `cannot read: ${code ?? String(error)}` });
    }
  }
  if (issues.length === 0) return loadPolicyFromStrings(sources);
  // Report unreadable paths together with whatever is wrong in the files that could be read.
  try {
    if (sources.length > 0) loadPolicyFromStrings(sources);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    issues.push(...error.issues);
  }
  throw new PolicyValidationError(issues);
}
