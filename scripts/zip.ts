/**
 * Deterministic zip files for the Lambda bundles: the same files give byte-identical archives on any machine, in
 * any time zone, at any time. Terraform compares `filebase64sha256` of the zip with the deployed code, so a
 * rebuild of unchanged sources must not produce a new hash (and a new deploy).
 *
 * What would otherwise vary, and how it is pinned:
 * - entry order: entries are sorted by name (byte order of the UTF-16 code units, as JavaScript sorts);
 * - modification times: every entry gets 1980-01-01 00:00, the earliest DOS time. fflate converts dates with the
 *   local-time getters, so the date is built from local-time parts and encodes the same in every time zone;
 * - permissions: Unix mode 0644 for every file (Lambda cannot read a file whose zip mode leaves it unreadable);
 * - compression: fflate's deflate at a fixed level is deterministic for a given input.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** Version made by / external attributes: Unix (APPNOTE 4.4.2.2). */
const UNIX = 3;
/** A regular file (S_IFREG), rw-r--r--, in the upper 16 bits of the external attributes. */
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
/** Deflate level: the output depends only on the input at a fixed level. */
const LEVEL = 9;

/** The fixed modification time of every entry: 1980-01-01 00:00 local, which fflate writes as DOS date 0x0021. */
export function fixedMtime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0, 0);
}

/** One file to put in an archive: its path inside the zip (forward slashes) and its bytes. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/**
 * A zip archive of `entries`, byte-identical for the same names and contents whatever their order.
 * @throws Error when two entries have the same name, or a name is empty, absolute or contains `..` or `\`.
 */
export function deterministicZip(entries: readonly ZipEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: Zippable = {};
  for (const entry of sorted) {
    if (
      entry.name === '' ||
      entry.name.startsWith('/') ||
      entry.name.includes('\\') ||
      entry.name.split('/').includes('..')
    ) {
      throw new Error(`zip entry name ${JSON.stringify(entry.name)} is not a relative forward-slash path`);
    }
    if (Object.hasOwn(files, entry.name)) throw new Error(`zip entry ${entry.name} given twice`);
    // A flat map of full paths: fflate keeps the insertion order, which is the sorted order here.
    files[entry.name] = [
      entry.data,
      { level: LEVEL, mtime: fixedMtime(), os: UNIX, attrs: REGULAR_FILE_0644 },
    ];
  }
  return zipSync(files, { level: LEVEL, mtime: fixedMtime(), os: UNIX, attrs: REGULAR_FILE_0644 });
}

/** Every regular file below `dir`, as zip entries named by their path relative to `dir`. */
export function directoryEntries(dir: string): ZipEntry[] {
  const out: ZipEntry[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile())
        out.push({ name: relative(dir, path).split(sep).join('/'), data: readFileSync(path) });
    }
  };
  walk(dir);
  return out;
}

/** Zip every file below `dir` into `zipFile`; returns the archive's bytes. */
export function zipDirectory(dir: string, zipFile: string): Uint8Array {
  const zip = deterministicZip(directoryEntries(dir));
  writeFileSync(zipFile, zip);
  return zip;
}
