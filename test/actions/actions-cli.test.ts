import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, loadActions } from '../../functions/lib/actions/registry.js';
import type { ActionInfo } from '../../cli/commands/actions.js';

const run = promisify(execFile);
const DEFINITIONS = new Map((await loadActions()).map((a) => [a.name, a]));
const cordon = (...args: string[]) =>
  run('node', ['bin/cordon.mjs', ...args], { cwd: process.cwd(), timeout: 60_000 });

describe('CLI: cordon actions list', () => {
  it('prints every action with its parameters, permissions, resource types, steps and limitations', async () => {
    // Act
    const { stdout } = await cordon('actions', 'list');

    // Assess
    for (const name of ACTION_NAMES) {
      const action = DEFINITIONS.get(name);
      expect(stdout).toMatch(new RegExp(`^${name}$`, 'm'));
      for (const permission of action?.permissions ?? []) expect(stdout).toContain(permission);
      for (const type of action?.resourceTypes ?? []) expect(stdout).toContain(type);
      for (const step of action?.steps.apply ?? []) expect(stdout).toContain(step);
    }
    expect(stdout).toMatch(/removeConsoleAccess\s+boolean \(default false\)/);
    expect(stdout).toMatch(/denyOlderSessions\s+boolean \(default false\)/);
    expect(stdout).toContain('Does not cut off:');
    expect(stdout).toContain('Runs in: the account that administers IAM Identity Center');
  });

  it('prints JSON with parameter types and defaults derived from the schemas', async () => {
    // Act
    const { stdout } = await cordon('actions', 'list', '--json');
    const actions = JSON.parse(stdout) as ActionInfo[];

    // Assess
    expect(actions.map((a) => a.name)).toEqual([...ACTION_NAMES]);
    const user = actions.find((a) => a.name === 'isolate-iam-user');
    expect(user?.parameters).toEqual([
      expect.objectContaining({
        name: 'removeConsoleAccess',
        type: 'boolean',
        required: false,
        default: false,
      }),
    ]);
    expect(user?.resourceTypes).toEqual(['iam-user']);
    expect(user?.permissions).toContain('iam:PutUserPolicy');
    expect(user?.steps.release).toEqual([
      'reactivate-access-keys',
      'restore-named-credentials',
      'remove-deny-all-policy',
      'untag-user',
    ]);
    expect(actions.find((a) => a.name === 'revoke-role-sessions')?.parameters).toEqual([]);
    expect(user?.runsIn).toBe('resource-account');
    expect(actions.find((a) => a.name === 'isolate-identity-center-user')?.runsIn).toBe('identity-center');
    const ec2 = actions.find((a) => a.name === 'isolate-ec2-instance');
    expect(ec2?.parameters.find((p) => p.name === 'autoScaling')).toMatchObject({
      type: 'standby | detach | none',
      default: 'standby',
    });
    for (const action of actions) expect(action.limitations.length).toBeGreaterThan(0);
  });
});
