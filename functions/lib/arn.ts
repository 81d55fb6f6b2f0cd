/**
 * Transition shim: the ARN module is kernel/arn.ts; resource ARNs come from the resource kinds
 * (resources/registry.ts `identifyingArn`). Kept so that code not yet moved keeps compiling; import from
 * kernel/arn.ts in new code. `partitionOf`/`partitionOfArn` are the old names of `regionPartition`/`arnPartition`.
 */
export * from './kernel/arn.js';
export { regionPartition as partitionOf, arnPartition as partitionOfArn } from './kernel/arn.js';
