/**
 * Meta-test: every registered action declares exactly the IAM permissions its code uses.
 *
 * Each action's apply and release run against moto with every optional parameter on, through SDK
 * middleware that records every command sent. A command whose IAM action (`<prefix>:<Command>`) is not
 * declared fails the test (the member role would deny it in production); so does a declared permission that
 * no command used (least privilege: the Terraform member role is generated from these declarations).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { ACTION_NAMES, loadActions } from '../../functions/lib/actions/registry.js';
import type { ActionDefinition } from '../../functions/lib/actions/contract.js';
import { useMoto } from '../support/moto.js';
import { motoActionContext } from './support/action-context.js';
import { nextId, type Scenario } from './scenarios/scenario.js';

/** Every action's definition (the steps run here), loaded through the registry as the worker loads them. */
const DEFINITIONS = new Map((await loadActions()).map((a) => [a.name, a]));

const moto = useMoto({ resetEach: false });

/**
 * Permissions AWS checks without a command of their own: passing a role to EC2 when an instance profile is
 * (re)associated needs iam:PassRole on that role.
 */
const IMPLIED_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'ec2:AssociateIamInstanceProfile': ['iam:PassRole'],
  'ec2:ReplaceIamInstanceProfileAssociation': ['iam:PassRole'],
  // Tags given at creation (TagSpecifications) are authorised as ec2:CreateTags as well.
  'ec2:CreateSecurityGroup': ['ec2:CreateTags'],
};

/**
 * Scenarios per action, discovered from `scenarios/<action>.scenarios.ts`: each exports `action` (its name) and
 * `scenarios`. Every registered action must have a file.
 */
const SCENARIOS: Record<string, Scenario[]> = {};
for (const file of readdirSync(new URL('./scenarios/', import.meta.url))) {
  if (!file.endsWith('.scenarios.ts')) continue;
  const module: unknown = await import(`./scenarios/${file}`);
  if (!isScenarioModule(module)) throw new Error(`${file} must export action (a name) and scenarios`);
  SCENARIOS[module.action] = module.scenarios;
}

function isScenarioModule(module: unknown): module is { action: string; scenarios: Scenario[] } {
  if (typeof module !== 'object' || module === null) return false;
  const action: unknown = Reflect.get(module, 'action');
  const scenarios: unknown = Reflect.get(module, 'scenarios');
  return typeof action === 'string' && Array.isArray(scenarios);
}

function declaredShape(action: ActionDefinition): void {
  expect(action.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  expect(action.description.length).toBeGreaterThan(10);
  expect(action.resourceTypes.length).toBeGreaterThan(0);
  expect(action.permissions.length).toBeGreaterThan(0);
  expect(new Set(action.permissions).size).toBe(action.permissions.length);
  for (const permission of action.permissions) expect(permission).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  expect(action.steps.apply.length).toBeGreaterThan(0);
  expect(action.steps.release.length).toBeGreaterThan(0);
  expect(action.limitations.length).toBeGreaterThan(0);
  expect(() => action.params.parse({})).not.toThrow();
}

describe('Actions: declared permissions match the AWS calls each action makes', () => {
  it('has a scenario for every registered action', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...ACTION_NAMES].sort());
  });

  for (const name of ACTION_NAMES) {
    const action = DEFINITIONS.get(name);

    it(`${name}: declares a name, resource types, a params schema that parses {}, permissions, steps and limitations`, () => {
      expect(action).toBeDefined();
      if (action) declaredShape(action);
    });

    it(`${name}: every command sent is declared, and every declared permission is used`, async () => {
      // Prepare
      expect(action).toBeDefined();
      if (!action) return;
      const used = new Set<string>();
      const outcomes: string[] = [];

      // Act
      for (const scenario of SCENARIOS[name] ?? []) {
        const { ctx, recorder, faults } = motoActionContext(moto, { isolationId: `meta-${nextId()}` });
        const resource = await scenario.seed(ctx);
        scenario.faults?.(faults);
        recorder.clear();
        const params = action.params.parse(scenario.params);
        const applied = await action.apply(ctx, resource, params);
        const released = await action.release(ctx, resource, params, applied);
        // A failure names its step and error, so that a failed run says why (not only that it failed).
        const why = (r: typeof applied): string =>
          r.outcome === 'succeeded'
            ? ''
            : ` (${r.failedStep ?? ''}: ${r.error?.code ?? ''} ${r.error?.message ?? r.detail ?? ''})`;
        outcomes.push(
          `${scenario.label}: apply ${applied.outcome}${why(applied)}, release ${released.outcome}${why(released)}`,
        );
        for (const command of recorder.commands) {
          used.add(command.iamAction);
          for (const implied of IMPLIED_PERMISSIONS[command.iamAction] ?? []) used.add(implied);
        }
      }

      // Assess
      expect(
        outcomes.filter((o) => /failed|skipped/.test(o)),
        'every scenario must run to completion',
      ).toEqual([]);
      const declared = new Set(action.permissions);
      const undeclared = [...used].filter((p) => !declared.has(p)).sort();
      const unused = [...declared].filter((p) => !used.has(p)).sort();
      expect(undeclared, `${name} calls AWS actions it does not declare`).toEqual([]);
      expect(unused, `${name} declares permissions no scenario used`).toEqual([]);
    });
  }
});
