/**
 * `cordon actions list [--json]`: every registered isolation action with what it does, the resources it
 * applies to, its parameters (name, type, default, read from the action's zod schema), the IAM permissions
 * it needs in member accounts, its steps and what it does NOT cut off.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { loadActions } from '../../functions/lib/actions/registry.js';
import type { ActionDefinition, ActionManifest } from '../../functions/lib/actions/contract.js';
import { EXIT_OK, exitStatusHelp, guardedAsync, processIo } from '../kit.js';

/** One parameter of an action, as shown to operators and policy authors. */
export interface ActionParameterInfo {
  name: string;
  /** JSON type (`boolean`, `string`, `integer`...), or `a | b` for an enum. */
  type: string;
  /** Whether a policy must set it (no default). */
  required: boolean;
  default?: unknown;
  description?: string;
}

/** What `cordon actions list --json` prints for each action. */
export interface ActionInfo {
  name: string;
  description: string;
  resourceTypes: string[];
  parameters: ActionParameterInfo[];
  permissions: string[];
  /** Where the member role is assumed: the resource's account, or the account that administers Identity Center. */
  runsIn: 'resource-account' | 'identity-center';
  steps: { apply: string[]; release: string[] };
  limitations: string[];
}

interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchemaProperty[];
}

function typeOf(property: JsonSchemaProperty): string {
  if (property.enum) return property.enum.map((v) => JSON.stringify(v).replace(/^"|"$/g, '')).join(' | ');
  if (Array.isArray(property.type)) return property.type.join(' | ');
  if (property.type) return property.type;
  if (property.anyOf) return property.anyOf.map(typeOf).join(' | ');
  return 'unknown';
}

/** The parameters of an action, derived from its zod schema (input side: what a policy may write). */
export function actionParameters(action: ActionManifest): ActionParameterInfo[] {
  const schema = z.toJSONSchema(action.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    type: typeOf(property),
    required: required.has(name) && property.default === undefined,
    ...(property.default !== undefined ? { default: property.default } : {}),
    ...(property.description ? { description: property.description } : {}),
  }));
}

/** Everything `cordon actions list` shows about one action. */
export function describeAction(action: ActionDefinition): ActionInfo {
  return {
    name: action.name,
    description: action.description,
    resourceTypes: [...action.resourceTypes],
    parameters: actionParameters(action),
    permissions: [...action.permissions],
    runsIn: action.target ?? 'resource-account',
    steps: { apply: [...action.steps.apply], release: [...action.steps.release] },
    limitations: [...action.limitations],
  };
}

/** All registered actions, in registration order (their definitions are loaded: the steps are derived from them). */
export async function listActions(): Promise<ActionInfo[]> {
  return (await loadActions()).map(describeAction);
}

/** Human-readable listing. */
export function formatActions(actions: ActionInfo[]): string {
  const lines: string[] = [];
  for (const action of actions) {
    lines.push(
      action.name,
      `  ${action.description}`,
      `  Resource types: ${action.resourceTypes.join(', ')}`,
    );
    if (action.parameters.length === 0) {
      lines.push('  Parameters: none');
    } else {
      lines.push('  Parameters:');
      const width = Math.max(...action.parameters.map((p) => p.name.length));
      for (const p of action.parameters) {
        const fallback = p.required ? 'required' : `default ${JSON.stringify(p.default ?? null)}`;
        const text = p.description ? `  ${p.description}` : '';
        lines.push(`    ${p.name.padEnd(width)}  ${p.type} (${fallback})${text}`);
      }
    }
    lines.push(`  Permissions (member role): ${action.permissions.join(', ')}`);
    if (action.runsIn === 'identity-center') {
      lines.push(
        "  Runs in: the account that administers IAM Identity Center (policy settings.identityCenter), not the finding's",
      );
    }
    lines.push('  Steps:');
    lines.push(`    apply:   ${action.steps.apply.join(' → ')}`);
    lines.push(`    release: ${action.steps.release.join(' → ')}`);
    lines.push('  Does not cut off:');
    for (const limitation of action.limitations) lines.push(`    - ${limitation}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Register `cordon actions` and its sub-commands on the program. */
export function registerActionsCommands(program: Command): void {
  const actions = program
    .command('actions')
    .description('list the isolation actions cordon can take, with their parameters and permissions');
  actions
    .command('list')
    .description(
      'print every action: description, resource types, parameters, IAM permissions, steps, limitations',
    )
    .option('--json', 'print JSON (an array of actions) instead of text')
    .addHelpText(
      'after',
      exitStatusHelp({ ok: 'the actions were listed', usage: 'bad usage (an unknown option), or an error' }),
    )
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await guardedAsync(processIo, async () => {
        const list = await listActions();
        processIo.out(options.json ? JSON.stringify(list, null, 2) : formatActions(list));
        return EXIT_OK;
      });
    });
}
