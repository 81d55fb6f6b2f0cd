#!/usr/bin/env node
// The `cordon` CLI. Runs the TypeScript sources through tsx so the bin works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv);
