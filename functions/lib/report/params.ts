/**
 * The parameters a requester chose, as people read them before approving: in the Security Hub note, the imported
 * finding and the notification. Irreversible ones (declared by the action) are named apart.
 */
import { getAction } from '../actions/registry.js';
import { oneLine } from '../text.js';

export interface ParamsSummary {
  /** `name=value, ...` in the record's order; empty when the action takes none. */
  text: string;
  /** Irreversible parameters that are switched on, e.g. `['removeConsoleAccess']`. */
  irreversible: string[];
}

function show(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value) ?? 'null';
}

/** Summarise an action's parameters; values are made one line (they reach Security Hub and e-mail). */
export function summariseParams(action: string, params: Record<string, unknown>): ParamsSummary {
  const declared = getAction(action)?.irreversibleParams ?? [];
  const text = Object.entries(params)
    .map(([key, value]) => oneLine(`${key}=${show(value)}`))
    .join(', ');
  const irreversible = declared.filter((name) => params[name] === true);
  return { text, irreversible };
}

/** One sentence for a note: the parameters, then the irreversible ones in capitals. Empty without params. */
export function paramsSentence(action: string, params: Record<string, unknown>): string {
  const { text, irreversible } = summariseParams(action, params);
  const parts: string[] = [];
  if (irreversible.length > 0) {
    parts.push(`IRREVERSIBLE: ${irreversible.join(', ')} (release cannot undo it).`);
  }
  if (text) parts.push(`Parameters: ${text}.`);
  return parts.join(' ');
}
