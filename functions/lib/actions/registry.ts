/**
 * The one place where isolation actions are registered. Everything else (policy validation, the API, CLI,
 * Terraform tests, member-role permissions) reads this registry.
 *
 * One entry per action: its manifest, read synchronously by every Lambda, and a loader of its definition (the
 * steps), which only the worker and the tools call, through {@link loadAction}. The loader is a dynamic import, so
 * esbuild puts each action's code in a chunk of its own that a function loads only when it runs the action: the
 * API, triage, approve and expire bundles carry manifests only, and the worker's cold start loads one action.
 */
import type { ActionDefinition, ActionManifest } from './contract.js';
import { CordonError } from '../errors.js';
import { isolateEc2InstanceManifest } from './isolate-ec2-instance/manifest.js';
import { isolateIamUserManifest } from './isolate-iam-user/manifest.js';
import { disableAccessKeyManifest } from './disable-access-key/manifest.js';
import { revokeRoleSessionsManifest } from './revoke-role-sessions/manifest.js';
import { isolateIdentityCenterUserManifest } from './isolate-identity-center-user/manifest.js';
import { disableInstanceMetadataManifest } from './disable-instance-metadata/manifest.js';
import { isolateS3BucketManifest } from './isolate-s3-bucket/manifest.js';
import { isolateLambdaFunctionManifest } from './isolate-lambda-function/manifest.js';
import { isolateRdsInstanceManifest } from './isolate-rds-instance/manifest.js';
import { isolateEcsTaskManifest } from './isolate-ecs-task/manifest.js';

/** A registered action: its manifest and how to load its definition. */
export interface ActionEntry {
  manifest: ActionManifest;
  load: () => Promise<ActionDefinition>;
}

/** One registry entry; the types tie the loaded definition to the manifest's parameter schema. */
function entry<S extends ActionManifest['params']>(
  manifest: ActionManifest<S>,
  load: () => Promise<ActionDefinition<S>>,
): ActionEntry {
  return { manifest, load };
}

const registered: readonly ActionEntry[] = [
  entry(isolateEc2InstanceManifest, () =>
    import('./isolate-ec2-instance/definition.js').then((m) => m.isolateEc2Instance),
  ),
  entry(isolateIamUserManifest, () =>
    import('./isolate-iam-user/definition.js').then((m) => m.isolateIamUser),
  ),
  entry(disableAccessKeyManifest, () =>
    import('./disable-access-key/definition.js').then((m) => m.disableAccessKey),
  ),
  entry(revokeRoleSessionsManifest, () =>
    import('./revoke-role-sessions/definition.js').then((m) => m.revokeRoleSessions),
  ),
  entry(isolateIdentityCenterUserManifest, () =>
    import('./isolate-identity-center-user/definition.js').then((m) => m.isolateIdentityCenterUser),
  ),
  entry(disableInstanceMetadataManifest, () =>
    import('./disable-instance-metadata/definition.js').then((m) => m.disableInstanceMetadata),
  ),
  entry(isolateS3BucketManifest, () =>
    import('./isolate-s3-bucket/definition.js').then((m) => m.isolateS3Bucket),
  ),
  entry(isolateLambdaFunctionManifest, () =>
    import('./isolate-lambda-function/definition.js').then((m) => m.isolateLambdaFunction),
  ),
  entry(isolateRdsInstanceManifest, () =>
    import('./isolate-rds-instance/definition.js').then((m) => m.isolateRdsInstance),
  ),
  entry(isolateEcsTaskManifest, () =>
    import('./isolate-ecs-task/definition.js').then((m) => m.isolateEcsTask),
  ),
];

/** A registry entry whose loaded definition is not the one built from its manifest (a wiring mistake). */
export class ActionRegistryError extends CordonError {
  constructor(message: string) {
    super(message, { code: 'ACTION_REGISTRY_INVALID' });
  }
}

const entries: ReadonlyMap<string, ActionEntry> = new Map(registered.map((e) => [e.manifest.name, e]));

/** The manifests of all registered actions, by name. */
export const ACTIONS: ReadonlyMap<string, ActionManifest> = new Map(
  registered.map((e) => [e.manifest.name, e.manifest]),
);

/** Registered action names, in registration order. */
export const ACTION_NAMES: readonly string[] = registered.map((e) => e.manifest.name);

/** The manifest of the action with this name, or undefined. */
export function getAction(name: string): ActionManifest | undefined {
  return ACTIONS.get(name);
}

const loaded = new Map<string, Promise<ActionDefinition>>();

async function loadEntry(e: ActionEntry): Promise<ActionDefinition> {
  const definition = await e.load();
  // The definition spreads its manifest (defineRunnableAction): another manifest means a mixed-up entry.
  if (definition.name !== e.manifest.name || definition.params !== e.manifest.params) {
    throw new ActionRegistryError(
      `registry entry ${e.manifest.name} loads the definition of ${definition.name}, not one built from its manifest`,
    );
  }
  return definition;
}

/**
 * The runnable definition of the action with this name, loaded on first use (then cached).
 * @throws ActionRegistryError when no action has this name, or the entry's loader returns another action's
 * definition; the loader's own error when its module cannot be loaded.
 */
export async function loadAction(name: string): Promise<ActionDefinition> {
  const e = entries.get(name);
  if (e === undefined) throw new ActionRegistryError(`action ${name} is not registered`);
  let pending = loaded.get(name);
  if (pending === undefined) {
    pending = loadEntry(e);
    // A failed load is not cached: the next call tries again.
    pending.catch(() => loaded.delete(name)); // the caller gets the rejection from `pending` itself
    loaded.set(name, pending);
  }
  return pending;
}

/** Every registered action's definition, in registration order (for the CLI, docs and tests). */
export async function loadActions(): Promise<ActionDefinition[]> {
  return Promise.all(ACTION_NAMES.map(loadAction));
}
