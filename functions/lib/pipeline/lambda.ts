/**
 * Cold-start wiring shared by the Lambda entry points: configuration, the bundled policy and the AWS-backed
 * dependencies, built once per container. Failures here throw at init so a misconfigured deploy fails loudly.
 */
import { loadConfig } from '../config.js';
import { createPipelineDeps, type PipelineDeps } from './deps.js';
import { bundledPolicy } from './bundled-policy.js';

/** Build the dependencies of one Lambda from its environment. */
export function lambdaDeps(functionName: string): PipelineDeps {
  return createPipelineDeps({ config: loadConfig(), policy: bundledPolicy(), functionName });
}
