/**
 * The one place where isolation actions are registered. Everything else (policy validation, CLI, Terraform
 * tests, member-role permissions) reads this registry.
 */
import type { ActionDefinition } from './contract.js';
import { isolateEc2Instance } from './isolate-ec2-instance/definition.js';
import { isolateIamUser } from './isolate-iam-user/definition.js';
import { disableAccessKey } from './disable-access-key/definition.js';
import { revokeRoleSessions } from './revoke-role-sessions/definition.js';
import { isolateIdentityCenterUser } from './isolate-identity-center-user/definition.js';
import { disableInstanceMetadata } from './disable-instance-metadata/definition.js';
import { isolateS3Bucket } from './isolate-s3-bucket/definition.js';

const registered: readonly ActionDefinition[] = [
  isolateEc2Instance,
  isolateIamUser,
  disableAccessKey,
  revokeRoleSessions,
  isolateIdentityCenterUser,
  disableInstanceMetadata,
  isolateS3Bucket,
];

/** All registered actions, by name. */
export const ACTIONS: ReadonlyMap<string, ActionDefinition> = new Map(registered.map((a) => [a.name, a]));

/** Registered action names, in registration order. */
export const ACTION_NAMES: readonly string[] = registered.map((a) => a.name);

/** The action with this name, or undefined. */
export function getAction(name: string): ActionDefinition | undefined {
  return ACTIONS.get(name);
}
