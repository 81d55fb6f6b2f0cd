/**
 * The policy engine's public API: load and validate YAML policies, evaluate findings against them.
 * See docs/policy.md for the language.
 */
export {
  loadPolicy,
  loadPolicyFromStrings,
  listPolicyFiles,
  DEFAULT_POLICY_SETTINGS,
  ROOT_FINDING_TYPES,
} from './loader.js';
export type { PolicySource } from './loader.js';
export { evaluatePolicy } from './evaluate.js';
export { compileGlob, globProblem } from './glob.js';
export type { Glob } from './glob.js';
export type * from './model.js';
