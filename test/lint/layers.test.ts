/**
 * Enforced layering (eslint.config.js `layers`): each rule refuses the import that climbs its layer, and lets the
 * imports the code makes today through. `npm run lint` (CI) applies the rules; this checks that they bite.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

/** The restricted-import messages ESLint gives `file` for one import line. */
async function refusals(file: string, from: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import type { X } from '${from}';\nexport type Y = X;\n`, {
    filePath: file,
  });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const REFUSED: [string, string][] = [
  ['functions/lib/kernel/arn.ts', '../errors.js'],
  ['functions/lib/report/reporter.ts', '../pipeline/deps.js'],
  ['functions/lib/aws/member-clients.ts', '../actions/contract.js'],
  ['functions/lib/observability.ts', './actions/registry.js'],
  ['functions/lib/actions/isolate-ec2-instance/definition.ts', '../../pipeline/service.js'],
  ['functions/lib/store/isolations.ts', '../api/contract.js'],
  ['functions/lib/api/handler.ts', '../../harness/emulator.js'],
  ['console/src/request.ts', '../../functions/lib/actions/registry.js'],
];

const ALLOWED: [string, string][] = [
  ['functions/lib/kernel/ids.ts', './id-patterns.js'],
  ['functions/lib/report/reporter.ts', '../store/model.js'],
  ['functions/lib/aws/member-clients.ts', '../kernel/arn.js'],
  ['functions/lib/pipeline/service.ts', '../actions/registry.js'],
  ['console/src/request.ts', '../../functions/lib/api/contract.js'],
  ['console/src/widgets.ts', '../../functions/lib/store/model.js'],
];

describe('Layering lint rules', () => {
  it.each(REFUSED)('refuses %s importing %s', async (file, from) => {
    expect(await refusals(file, from)).toHaveLength(1);
  });

  it.each(ALLOWED)('lets %s import %s', async (file, from) => {
    expect(await refusals(file, from)).toEqual([]);
  });
});
