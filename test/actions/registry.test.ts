import { describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  ACTIONS,
  ActionRegistryError,
  getAction,
  loadAction,
  loadActions,
} from '../../functions/lib/actions/registry.js';

describe('Action registry: manifests read at once, definitions loaded on demand', () => {
  it('loads, for every manifest, the definition built from it, once', async () => {
    // Act
    const definitions = await loadActions();

    // Assess: same names and order, each definition carrying its manifest's own schema and declarations
    expect(definitions.map((d) => d.name)).toEqual([...ACTION_NAMES]);
    for (const definition of definitions) {
      const manifest = getAction(definition.name);
      expect(definition.params, definition.name).toBe(manifest?.params);
      expect(definition.permissions, definition.name).toBe(manifest?.permissions);
      expect(definition.resourceTypes, definition.name).toEqual(manifest?.resourceTypes);
      expect(await loadAction(definition.name), definition.name).toBe(definition);
    }
  });

  it('manifests carry no steps: only loaded definitions do', () => {
    for (const manifest of ACTIONS.values()) {
      expect(Object.keys(manifest), manifest.name).not.toContain('apply');
      expect(Object.keys(manifest), manifest.name).not.toContain('steps');
    }
  });

  it('refuses to load an action that is not registered', async () => {
    await expect(loadAction('quarantine')).rejects.toBeInstanceOf(ActionRegistryError);
    expect(getAction('quarantine')).toBeUndefined();
  });
});
