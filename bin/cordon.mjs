#!/usr/bin/env node
// The `cordon` CLI. Runs the prebuilt bundle in dist/cli (built on `npm ci` by the prepare script, or by
// `npm run build:cli`) when no source file changed since it was built; otherwise the TypeScript sources through
// tsx, so an edited checkout never runs stale code, only slower.
import { freshBundle } from './fresh-bundle.mjs';

const bundle = freshBundle(new URL('../dist/cli/', import.meta.url), new URL('../', import.meta.url));
let cli;
if (bundle) {
  cli = await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../cli/index.ts');
}
process.exitCode = await cli.main(process.argv);
