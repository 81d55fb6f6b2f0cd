// Whether the prebuilt CLI bundle may run: it exists, and no source file it was built from changed since.
// Plain JavaScript, so that the check itself needs no compiler.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The bundle's entry URL when `<distDir>/manifest.json` lists an entry and every input is older than the build
 * (mtime), or null (missing, unreadable or stale: run from the sources instead).
 * @param {URL} distDir the bundle directory, with a trailing slash
 * @param {URL} rootDir the directory the manifest's input paths are relative to, with a trailing slash
 * @returns {URL | null}
 */
export function freshBundle(distDir, rootDir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('manifest.json', distDir), 'utf8'));
  } catch {
    return null; // not built: the sources run through tsx
  }
  const { entry, builtAtMs, inputs } = manifest ?? {};
  if (typeof entry !== 'string' || typeof builtAtMs !== 'number' || !Array.isArray(inputs)) return null;
  for (const input of inputs) {
    if (typeof input !== 'string') return null;
    try {
      if (statSync(fileURLToPath(new URL(input, rootDir))).mtimeMs > builtAtMs) return null;
    } catch {
      return null; // a source file was removed or renamed since the build
    }
  }
  return new URL(entry, distDir);
}
