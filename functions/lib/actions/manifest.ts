/**
 * Declaring an action's manifest (contract.ts, {@link ActionManifest}): what every Lambda may know about the action
 * without loading its steps. This module, and every `actions/<name>/manifest.ts`, must stay free of the AWS SDK,
 * member clients and step code (eslint refuses those imports): the API, triage, approve and expire bundles carry
 * the manifests only, and `npm run build` fails a bundle over its size budget.
 */
import type { z } from 'zod';
import type { ResourceType } from '../findings/model.js';
import type { ActionManifest } from './contract.js';

/** A manifest as an action declares it: one resource type, kept as a literal type for its definition. */
export interface TypedActionManifest<S extends z.ZodType, T extends ResourceType> extends ActionManifest<S> {
  resourceType: T;
}

/** The manifest of an action for one resource type (`resourceTypes` is derived from `resourceType`). */
export function defineActionManifest<S extends z.ZodType, T extends ResourceType>(
  spec: Omit<ActionManifest<S>, 'resourceTypes'> & { resourceType: T },
): TypedActionManifest<S, T> {
  return { ...spec, resourceTypes: [spec.resourceType] };
}
