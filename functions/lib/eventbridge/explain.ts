/**
 * Why an event does not match a pattern, field by field, for `cordon rules match`. Each leaf condition of the
 * pattern is tested alone (the pattern cut down to that one field) with the same matcher, so an explanation can
 * never disagree with the verdict. It is only run after a no_match, never on the hot path.
 */
import { isPlainObject } from './operators.js';
import { matchesPattern } from './matcher.js';

const OR_KEYWORD = '$or';

/** The pattern reduced to one field at `path`, holding `value` (a condition, or an object of conditions). */
function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return isPlainObject(value) ? value : {};
  return { [head]: rest.length === 0 ? value : nest(rest, value) };
}

/** The event's values at `path`, through arrays (EventBridge matches any element), for the message. */
function valuesAt(event: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [event];
  for (const key of path) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) if (isPlainObject(item) && Object.hasOwn(item, key)) next.push(item[key]);
    }
    current = next;
  }
  return current;
}

function describeValues(event: unknown, path: readonly string[]): string {
  const values = valuesAt(event, path);
  if (values.length === 0) return 'the event has no such field';
  const shown = values.length === 1 ? values[0] : values;
  const text = JSON.stringify(shown);
  return `the event has ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

function failures(pattern: Record<string, unknown>, path: readonly string[], event: unknown): string[] {
  const found: string[] = [];
  for (const [key, condition] of Object.entries(pattern)) {
    if (key === OR_KEYWORD && Array.isArray(condition)) {
      const branches = condition.filter(isPlainObject);
      if (branches.some((branch) => matchesPattern(nest(path, branch), event))) continue;
      const where = path.length === 0 ? '' : ` at ${path.join('.')}`;
      found.push(`none of the ${branches.length} $or alternatives${where} matches:`);
      branches.forEach((branch, index) => {
        const inner = failures(branch, path, event);
        found.push(`  alternative ${index + 1}: ${inner.join('; ') || 'fails only in combination'}`);
      });
      continue;
    }
    const fieldPath = [...path, key];
    if (isPlainObject(condition)) {
      found.push(...failures(condition, fieldPath, event));
      continue;
    }
    if (matchesPattern(nest(fieldPath, condition), event)) continue;
    found.push(
      `${fieldPath.join('.')}: ${describeValues(event, fieldPath)}; the pattern wants ${JSON.stringify(condition)}`,
    );
  }
  return found;
}

/**
 * One line per pattern field the event fails, for a pattern that compiles and an event it does not match.
 * When every field matches on its own, the fields fail together: EventBridge requires the fields under one
 * array of objects to hold in the same element.
 */
export function explainNoMatch(pattern: unknown, event: unknown): string[] {
  const parsed: unknown = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
  if (!isPlainObject(parsed)) return [];
  const found = failures(parsed, [], event);
  if (found.length > 0) return found;
  return [
    'every field matches on its own, but not together: fields under an array of objects must hold in the same element',
  ];
}
