/**
 * Whether a module is the script Node was asked to run (`tsx scripts/x.ts`), as opposed to imported by a test
 * or another script. Compares resolved file paths, so a repository path with spaces or symlinked segments in
 * `argv[1]` still matches (a `file://` string comparison does not: the URL is percent-encoded).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param moduleUrl the caller's `import.meta.url` */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(moduleUrl);
}
