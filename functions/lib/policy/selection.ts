/** The resource-level conditions of a rule (`tags`, `eksNode`): which of a finding's resources a rule selects. */
import type { Resource } from '../findings/model.js';
import { EC2_INSTANCE } from '../resources/ec2-instance.js';

export interface TagCondition {
  key: string;
  /** undefined = any value (`*`). */
  value: string | undefined;
}

/** Whether the resource carries every tag of the condition. */
export function hasTags(resource: Resource, tags: readonly TagCondition[]): boolean {
  for (const tag of tags) {
    const value = Object.hasOwn(resource.tags, tag.key) ? resource.tags[tag.key] : undefined;
    if (value === undefined || (tag.value !== undefined && value !== tag.value)) return false;
  }
  return true;
}

/**
 * `eksNode: wanted`: an EC2 instance the finding names as the node of an EKS pod (true), or one it does not (false).
 * Never any other resource type: the condition is about which instance to isolate.
 */
export function isEksNode(resource: Resource, wanted: boolean): boolean {
  return resource.type === EC2_INSTANCE && (resource.eksNode !== undefined) === wanted;
}
