/**
 * Generates `functions/lib/findings/guardduty-types.generated.ts` from the reference table of GuardDuty finding
 * types (column `asff_types`). Lambdas cannot read the reference directory at run time, so the mapping from
 * Security Hub (ASFF) `Types` back to the native GuardDuty type is committed as code, in the compact form
 * described in `functions/lib/findings/guardduty-type-table.ts` (every Lambda bundle carries it).
 *
 * Usage: `npx tsx scripts/gen-guardduty-types.ts [CSV] [OUT]`
 *   CSV defaults to `scripts/data/guardduty-finding-types.csv` (a committed copy of the reference table, compiled
 *   from AWS's GuardDuty finding-type documentation; each row links its doc page),
 *   OUT defaults to `functions/lib/findings/guardduty-types.generated.ts`.
 * `--check` exits 1 when OUT differs from what would be generated.
 */
import { isMainModule } from './is-main.js';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  compareCodeUnits,
  parseCsvLine,
  regularAsffType,
  type CompactGuardDutyTypes,
  type GuardDutyTypeTable,
} from '../functions/lib/findings/guardduty-type-table.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The reference table of GuardDuty finding types, committed with the repository so that the generator and its
 * tests work on a fresh clone. Replace it with a newer copy of the table, then regenerate.
 */
export const DEFAULT_CSV = resolve(root, 'scripts', 'data', 'guardduty-finding-types.csv');
/** The generated module. */
export const DEFAULT_OUT = resolve(root, 'functions', 'lib', 'findings', 'guardduty-types.generated.ts');

/**
 * The full table from the CSV text: every ASFF type of every row (column `asff_types`, `;`-separated) with its
 * native type (column `finding_type`), and every native type, both sorted.
 * @throws Error when the header lacks a column, or an ASFF type maps to two native types
 */
export function guardDutyTypeTableFromCsv(csv: string): GuardDutyTypeTable {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '');
  const typeCol = header.indexOf('finding_type');
  const asffCol = header.indexOf('asff_types');
  if (typeCol < 0 || asffCol < 0) throw new Error('CSV header must have finding_type and asff_types columns');

  const asffToNative = new Map<string, string>();
  const nativeTypes = new Set<string>();
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    const native = (cells[typeCol] ?? '').trim();
    if (native === '') continue;
    nativeTypes.add(native);
    const asffCell = (cells[asffCol] ?? '').trim();
    // Rows the Security Hub mapping table does not cover say so in parentheses.
    if (asffCell === '' || asffCell.startsWith('(')) continue;
    for (const asff of asffCell.split(';').map((s) => s.trim())) {
      if (asff === '') continue;
      const previous = asffToNative.get(asff);
      if (previous !== undefined && previous !== native) {
        throw new Error(`ASFF type "${asff}" maps to both "${previous}" and "${native}"`);
      }
      asffToNative.set(asff, native);
    }
  }
  return {
    asffToNative: new Map([...asffToNative.entries()].sort(([a], [b]) => compareCodeUnits(a, b))),
    nativeTypes: [...nativeTypes].sort(compareCodeUnits),
  };
}

/**
 * The compact form of the table: native types grouped by `<Purpose>:<Resource>`; each ASFF type that is
 * `<prefix>/<Purpose>:<Resource>-<Family>` for its native `<Purpose>:<Resource>/<Family>` becomes the index of
 * its prefix in the sorted list of prefixes, every other one is kept in full. {@link decodeGuardDutyTypes} gives
 * back exactly `table`.
 * @throws Error when a native type is not `<Purpose>:<Resource>/<Family>` (the compact form cannot hold it)
 */
export function encodeGuardDutyTypes(table: GuardDutyTypeTable): CompactGuardDutyTypes {
  const asffOf = new Map<string, { regular: string[]; irregular: string[] }>();
  for (const [asff, native] of table.asffToNative) {
    const entry = asffOf.get(native) ?? { regular: [], irregular: [] };
    // The regular ASFF type under an empty prefix is `/<classifier>`: what every regular ASFF type ends with.
    const suffix = regularAsffType('', native);
    if (suffix !== undefined && asff.length > suffix.length && asff.endsWith(suffix)) {
      entry.regular.push(asff.slice(0, -suffix.length));
    } else {
      entry.irregular.push(asff);
    }
    asffOf.set(native, entry);
  }
  const prefixes = [...new Set([...asffOf.values()].flatMap((e) => e.regular))].sort(compareCodeUnits);
  const indexOf = new Map(prefixes.map((p, i) => [p, i]));
  const types: Record<string, [string, ...(number | string)[]][]> = {};
  for (const native of table.nativeTypes) {
    const slash = native.indexOf('/');
    if (regularAsffType('', native) === undefined || slash < 0) {
      throw new Error(`GuardDuty type "${native}" is not <Purpose>:<Resource>/<Family>`);
    }
    const group = native.slice(0, slash);
    const asff = asffOf.get(native) ?? { regular: [], irregular: [] };
    const indexes = asff.regular.map((p) => indexOf.get(p) ?? -1).sort((a, b) => a - b);
    (types[group] ??= []).push([native.slice(slash + 1), ...indexes, ...asff.irregular]);
  }
  return { prefixes, types };
}

/** Build the generated module's source text from the CSV text. */
export function generateGuardDutyTypesModule(csv: string): string {
  const compact = encodeGuardDutyTypes(guardDutyTypeTableFromCsv(csv));
  const out: string[] = [
    '// GENERATED by scripts/gen-guardduty-types.ts from guardduty-finding-types.csv. Do not edit by hand.',
    '// The compact form is explained, and decoded, in guardduty-type-table.ts.',
    '',
    "import type { CompactGuardDutyTypes } from './guardduty-type-table.js';",
    '',
    "/** AWS's table of GuardDuty finding types and their Security Hub (ASFF) `Types`, compacted. */",
    'export const GUARDDUTY_TYPE_TABLE: CompactGuardDutyTypes = {',
    '  /** ASFF namespaces of the regular ASFF types `<prefix>/<Purpose>:<Resource>-<Family>`. */',
    '  prefixes: [',
    ...compact.prefixes.map((p) => `    ${JSON.stringify(p)},`),
    '  ],',
    '  /** `<Purpose>:<Resource>`: each `<Family>` with its ASFF types (prefix index, or irregular type in full). */',
    '  types: {',
    ...Object.entries(compact.types).map(
      ([group, families]) => `    ${JSON.stringify(group)}: ${JSON.stringify(families)},`,
    ),
    '  },',
    '};',
    '',
  ];
  return out.join('\n');
}

/** The generated module, formatted with the project's prettier config so `npm run lint` stays green. */
export async function renderGuardDutyTypesModule(
  csv: string,
  outPath: string = DEFAULT_OUT,
): Promise<string> {
  const config = (await resolveConfig(outPath)) ?? {};
  return format(generateGuardDutyTypesModule(csv), { ...config, filepath: outPath });
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const positional = argv.filter((a) => !a.startsWith('--'));
  const csvPath = resolve(positional[0] ?? DEFAULT_CSV);
  const outPath = resolve(positional[1] ?? DEFAULT_OUT);
  const generated = await renderGuardDutyTypesModule(readFileSync(csvPath, 'utf8'), outPath);
  if (check) {
    const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : '';
    if (current !== generated) {
      process.stderr.write(`${outPath} is stale; run npx tsx scripts/gen-guardduty-types.ts\n`);
      return 1;
    }
    process.stdout.write(`${outPath} is up to date\n`);
    return 0;
  }
  writeFileSync(outPath, generated);
  process.stdout.write(`wrote ${outPath}\n`);
  return 0;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
