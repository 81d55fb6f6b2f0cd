/**
 * Cold-start wiring shared by the Lambda entry points: configuration, the bundled policy and the AWS-backed
 * dependencies, built once per container. Failures here throw at init so a misconfigured deploy fails loudly.
 */
import { loadConfig } from '../config.js';
import { createPipelineDeps, type PipelineDeps } from './deps.js';
import { bundledPolicy } from './bundled-policy.js';

/**
 * Build the dependencies of one Lambda from its environment.
 * @param overrides parts the entry point supplies itself, e.g. the worker's EMF metrics
 */
export function lambdaDeps(functionName: string, overrides: Partial<PipelineDeps> = {}): PipelineDeps {
  return createPipelineDeps({ config: loadConfig(), policy: bundledPolicy(), functionName, overrides });
}
