/**
 * Reads cordon's Terraform as data for the structural tests: every `.tf` file of a directory is parsed with
 * `@cdktf/hcl2json` and merged. Expressions stay strings such as `${var.name}`, which the tests compare
 * literally: they assert the wiring (what refers to what), since providers cannot be downloaded here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

/** A parsed HCL block or object. */
export type Block = Record<string, unknown>;

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `terraform/` in the repository. */
export const TERRAFORM_DIR = path.join(ROOT, 'terraform');

/** A Terraform configuration directory, parsed and merged. */
export interface TerraformConfig {
  dir: string;
  files: string[];
  root: Block;
}

function isBlock(value: unknown): value is Block {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merge hcl2json trees: objects merge key by key, arrays (block lists) concatenate. */
function merge(target: Block, source: Block): Block {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(value)) target[key] = [...existing, ...value];
    else if (isBlock(existing) && isBlock(value)) target[key] = merge({ ...existing }, value);
    else target[key] = value;
  }
  return target;
}

const cache = new Map<string, Promise<TerraformConfig>>();

/** Parse every `.tf` file of `dir` (relative to the repository root or absolute). */
export function loadTerraform(dir: string): Promise<TerraformConfig> {
  const absolute = path.resolve(ROOT, dir);
  const cached = cache.get(absolute);
  if (cached) return cached;
  const loading = (async () => {
    const files = readdirSync(absolute)
      .filter((f) => f.endsWith('.tf'))
      .sort();
    let root: Block = {};
    for (const file of files) {
      const parsed: unknown = await parse(file, readFileSync(path.join(absolute, file), 'utf8'));
      if (!isBlock(parsed)) throw new Error(`${dir}/${file}: hcl2json returned no object`);
      root = merge(root, parsed);
    }
    return { dir: absolute, files, root };
  })();
  cache.set(absolute, loading);
  return loading;
}

/** The value at `keys` below `value`, or undefined. */
export function at(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (!isBlock(current)) return undefined;
      current = current[key];
    }
  }
  return current;
}

/** As {@link at}, but the value must be a block (object). */
export function blockAt(value: unknown, ...keys: (string | number)[]): Block {
  const found = at(value, ...keys);
  if (!isBlock(found)) throw new Error(`expected a block at ${keys.join('.')}, got ${JSON.stringify(found)}`);
  return found;
}

/** The blocks of a nested block type (hcl2json renders each nested block type as a list). */
export function nested(block: Block, name: string): Block[] {
  const value = block[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected a list of ${name} blocks`);
  return value.filter(isBlock);
}

/** The single block of a nested block type. */
export function single(block: Block, name: string): Block {
  const blocks = nested(block, name);
  if (blocks.length !== 1) throw new Error(`expected exactly one ${name} block, found ${blocks.length}`);
  const [first] = blocks;
  if (!first) throw new Error(`expected one ${name} block`);
  return first;
}

/** A `resource` (or `data`) block by type and name; throws when it is missing or repeated. */
export function resource(config: TerraformConfig, type: string, name: string, kind: 'resource' | 'data' = 'resource'): Block {
  const list = at(config.root, kind, type, name);
  if (!Array.isArray(list) || list.length !== 1 || !isBlock(list[0])) {
    throw new Error(`${path.relative(ROOT, config.dir)}: expected exactly one ${kind} ${type}.${name}`);
  }
  return list[0];
}

/** Names of all blocks of a resource (or data) type. */
export function resourceNames(config: TerraformConfig, type: string, kind: 'resource' | 'data' = 'resource'): string[] {
  const byName = at(config.root, kind, type);
  return isBlock(byName) ? Object.keys(byName) : [];
}

/** Every `type.name` pair of resources (or data sources) in the configuration. */
export function allResources(config: TerraformConfig, kind: 'resource' | 'data' = 'resource'): { type: string; name: string; block: Block }[] {
  const byType = at(config.root, kind);
  if (!isBlock(byType)) return [];
  const out: { type: string; name: string; block: Block }[] = [];
  for (const [type, byName] of Object.entries(byType)) {
    if (!isBlock(byName)) continue;
    for (const [name, list] of Object.entries(byName)) {
      if (Array.isArray(list)) for (const block of list.filter(isBlock)) out.push({ type, name, block });
    }
  }
  return out;
}

/** All `locals` of the configuration, merged into one object. */
export function locals(config: TerraformConfig): Block {
  const list = at(config.root, 'locals');
  if (!Array.isArray(list)) return {};
  return Object.assign({}, ...list.filter(isBlock)) as Block;
}

/** Variables by name, each with its single definition block. */
export function variables(config: TerraformConfig): Record<string, Block> {
  const byName = at(config.root, 'variable');
  if (!isBlock(byName)) return {};
  const out: Record<string, Block> = {};
  for (const [name, list] of Object.entries(byName)) {
    if (Array.isArray(list) && isBlock(list[0])) out[name] = list[0];
  }
  return out;
}

/** A string value, or a test failure naming where it was expected. */
export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A list of strings, or a test failure naming where it was expected. */
export function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`${what}: expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** Lambda entry points: `functions/*.ts` (each is bundled to dist/functions/<name>/index.mjs). */
export function entryPoints(): string[] {
  return readdirSync(path.join(ROOT, 'functions'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}
