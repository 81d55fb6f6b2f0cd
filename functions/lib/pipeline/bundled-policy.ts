/**
 * The policy the Lambdas run with. Unbundled (tests, `cordon replay`, the sandbox) it is read from `policies/`.
 * In the Lambda bundles, `scripts/build.ts` replaces this whole module with one returning the policy compiled at
 * build time, so deployed Lambdas never read the filesystem for policy (nor carry the YAML parser), and a policy
 * change is a reviewed deploy.
 */
import { loadPolicy } from '../policy/loader.js';
import type { CompiledPolicy } from '../policy/model.js';

/** The policy compiled into the bundle (unbundled: `policies/` in the working directory). */
export function bundledPolicy(): CompiledPolicy {
  return loadPolicy(['policies']);
}
