/**
 * Free-form string maps of findings (tags, product fields) read safely. No zod: the kind modules and the Security
 * Hub writer, which every Lambda loads at init, import these without the finding schemas.
 */

/** Most entries a free-form map may contribute (ASFF caps ProductFields at 50 and Tags at 50). */
const MAX_MAP_ENTRIES = 200;

/**
 * Read a JSON object of string values into a fresh record, safely: only own enumerable string values are
 * copied, through `Object.fromEntries` (which defines properties, so a `__proto__` key is kept as data and
 * never touches a prototype). Non-object input yields `{}`; non-string values are skipped.
 */
export function readStringMap(value: unknown, maxValueLength = 4096): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (entries.length >= MAX_MAP_ENTRIES) break;
    if (typeof v === 'string' && key.length <= 256 && v.length <= maxValueLength) entries.push([key, v]);
  }
  return Object.fromEntries(entries);
}

/** GuardDuty `[{key, value}]` tag lists → record (same safety as {@link readStringMap}). */
export function tagListToRecord(
  tags: readonly { key: string; value?: string | null }[] | null | undefined,
): Record<string, string> {
  const entries: [string, string][] = (tags ?? []).map((t) => [t.key, t.value ?? '']);
  return Object.fromEntries(entries);
}
