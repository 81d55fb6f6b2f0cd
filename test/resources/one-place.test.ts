/**
 * One place per resource kind (issue 13): outside tests, each resource-type literal appears in at most 3 source
 * files: its kind module and at most two more. Everything else asks the registry or imports the kind's type name,
 * so adding a kind or an action does not mean hunting for string copies.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from '../../functions/lib/resources/registry.js';

const SOURCE_DIRS = ['functions', 'console', 'cli', 'harness', 'scripts', 'bench'];
const MAX_FILES = 3;

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !/\.generated\./.test(name) ? [path] : [];
  });
}

describe('Resource kinds: one place each', () => {
  it(`names each resource type literally in at most ${MAX_FILES} source files, its kind module first`, () => {
    // Prepare
    const files = SOURCE_DIRS.flatMap(sourceFiles).map((path) => ({
      path,
      text: readFileSync(path, 'utf8'),
    }));

    for (const type of RESOURCE_TYPES.filter((t) => t !== 'other')) {
      // Act
      const literal = new RegExp(`['"\`]${type}['"\`]`);
      const naming = files.filter((f) => literal.test(f.text)).map((f) => f.path);

      // Assess
      expect(naming, type).toContain(join('functions/lib/resources', `${type}.ts`));
      expect(naming.length, `${type}: ${naming.join(', ')}`).toBeLessThanOrEqual(MAX_FILES);
    }
  });
});
