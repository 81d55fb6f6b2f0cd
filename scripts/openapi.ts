/**
 * Writes docs/openapi.json, the API's OpenAPI 3.1 document, generated from the zod schemas and the route table
 * (functions/lib/api/openapi-spec.ts). The same document is what `GET /openapi.json` serves: `npm run build` ships
 * it compressed (scripts/build.ts). test/api/openapi.test.ts fails while the committed file is stale.
 *
 * Usage: `npx tsx scripts/openapi.ts` (write) or `npx tsx scripts/openapi.ts --check` (exit 1 when stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../functions/lib/api/openapi-spec.js';
import { errorMessage } from '../functions/lib/errors.js';
import { isMainModule } from './is-main.js';

/** The committed document. */
export const OPENAPI_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  'docs',
  'openapi.json',
);

/** The document as the file holds it: two-space JSON and a final newline. */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

function main(argv: readonly string[]): void {
  const text = openApiText();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      // A missing file is stale like any other.
    }
    if (current !== text) {
      process.stderr.write('docs/openapi.json is stale: run `npx tsx scripts/openapi.ts` and commit it\n');
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(OPENAPI_FILE, text);
  process.stdout.write('wrote docs/openapi.json\n');
}

if (isMainModule(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`openapi failed: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  }
}
