/**
 * Shadowed rules: a rule that can never match because an earlier rule matches every finding it would (the
 * first matching rule wins). The check is conservative: it warns only when it can prove, condition by condition,
 * that the later rule's conditions imply the earlier rule's. A rule it cannot prove shadowed is never reported,
 * so a warning is always true; some shadowed rules (two globs that overlap in a way it does not reason about) go
 * unreported.
 */
import { compileGlob } from './glob.js';
import type { CompiledRule, PolicySettings, RuleMatch } from './model.js';
import type { PolicyIssue } from '../errors.js';

type Filter = { include?: string[]; exclude?: string[] };

const isSubset = (inner: readonly string[], outer: readonly string[]): boolean =>
  inner.every((item) => outer.includes(item));

/** Whether every value of `glob` (a type glob of the later rule) is matched by `by` (one of the earlier rule's). */
function globCovers(by: string, glob: string): boolean {
  if (by === glob || /^\*+$/.test(by)) return true;
  if (!/[*?]/.test(glob)) return compileGlob(by).test(glob);
  // `Prefix*` covers any glob whose literal text before its first wildcard starts with `Prefix`.
  const byPrefix = /^([^*?]*)\*$/.exec(by)?.[1];
  if (byPrefix === undefined) return false;
  const literal = glob.slice(0, glob.search(/[*?]/));
  return literal.startsWith(byPrefix);
}

/**
 * Whether every value that passes the later filter passes the earlier one (include: must be listed; exclude:
 * must not be). An absent earlier filter lets everything through; an absent later include allows every value
 * outside its excludes, which only an earlier filter without include and with excludes among them covers.
 */
function filterImplies(later: Filter | undefined, earlier: Filter | undefined): boolean {
  if (earlier === undefined) return true;
  if (later?.include === undefined) {
    return earlier.include === undefined && isSubset(earlier.exclude ?? [], later?.exclude ?? []);
  }
  const laterExclude = later.exclude ?? [];
  return later.include
    .filter((value) => !laterExclude.includes(value))
    .every(
      (value) =>
        (earlier.include === undefined || earlier.include.includes(value)) &&
        !(earlier.exclude ?? []).includes(value),
    );
}

/** Whether every resource the later rule's resourceType, eksNode and tags conditions select is selected by the earlier's. */
function selectionImplies(later: RuleMatch, earlier: RuleMatch): boolean {
  const typesImply =
    earlier.resourceTypes === undefined ||
    (later.resourceTypes !== undefined && isSubset(later.resourceTypes, earlier.resourceTypes));
  if (!typesImply) return false;
  // An earlier eksNode condition selects only some instances: the later rule must ask for the same ones.
  if (earlier.eksNode !== undefined && later.eksNode !== earlier.eksNode) return false;
  if (earlier.tags === undefined) return true;
  // The earlier rule needs one resource with its tags: only the later rule's own tagged resource is known to exist.
  const laterTags = later.tags;
  if (laterTags === undefined) return false;
  return Object.entries(earlier.tags).every(
    ([key, value]) => Object.hasOwn(laterTags, key) && (value === '*' || laterTags[key] === value),
  );
}

function severityImplies(later: RuleMatch['severity'], earlier: RuleMatch['severity']): boolean {
  if (earlier === undefined) return true;
  if (earlier.min !== undefined && (later?.min === undefined || later.min < earlier.min)) return false;
  if (earlier.max !== undefined && (later?.max === undefined || later.max > earlier.max)) return false;
  if (
    earlier.labels !== undefined &&
    (later?.labels === undefined || !isSubset(later.labels, earlier.labels))
  )
    return false;
  return true;
}

/** Whether every finding the later rule matches is matched by the earlier rule. */
function implies(later: CompiledRule, earlier: CompiledRule, settings: PolicySettings): boolean {
  const l = later.match;
  const e = earlier.match;
  const sampleDefault = settings.includeSampleFindings;
  if ((l.sample ?? sampleDefault) && !(e.sample ?? sampleDefault)) return false;
  if (e.sources !== undefined && (l.sources === undefined || !isSubset(l.sources, e.sources))) return false;
  if (e.products !== undefined) {
    const lower = (items: readonly string[]) => items.map((item) => item.toLowerCase());
    if (l.products === undefined || !isSubset(lower(l.products), lower(e.products))) return false;
  }
  if (e.types !== undefined) {
    const earlierTypes = e.types;
    if (l.types === undefined || !l.types.every((glob) => earlierTypes.some((by) => globCovers(by, glob))))
      return false;
  }
  return (
    severityImplies(l.severity, e.severity) &&
    filterImplies(l.accounts, e.accounts) &&
    filterImplies(l.regions, e.regions) &&
    selectionImplies(l, e)
  );
}

/** One warning per rule that an earlier rule provably shadows, at the shadowed rule's position. */
export function shadowWarnings(rules: readonly CompiledRule[], settings: PolicySettings): PolicyIssue[] {
  const warnings: PolicyIssue[] = [];
  rules.forEach((rule, index) => {
    const by = rules.slice(0, index).find((earlier) => implies(rule, earlier, settings));
    if (by === undefined) return;
    const at = `${by.position.file}:${by.position.line}:${by.position.col}`;
    warnings.push({
      ...rule.position,
      message: `rule "${rule.name}" can never match: the earlier rule "${by.name}" (${at}) matches every finding it would, and the first matching rule wins; move it above "${by.name}" or narrow "${by.name}"`,
    });
  });
  return warnings;
}
