/** Console-wide state: the deployment's settings, the signed-in user and the auto-refresh timer. */
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import type { AuthSettings } from './auth.js';
import { byId } from './dom.js';

export interface ActionInfo {
  name: string;
  description: string;
  resourceTypes: string[];
  /** Parameters whose effect release cannot undo: flagged before approval. */
  irreversibleParams: string[];
}

export interface ConsoleConfig {
  sandbox: boolean;
  region: string;
  auth: AuthSettings | null;
  actions: ActionInfo[];
  regions: string[];
}

export interface Me {
  /** Issuer and subject: how records name the signed-in person. */
  id: string;
  sub: string;
  username: string;
  roles: string[];
}

export type Isolation = IsolationRecord & {
  allowed: { approve: boolean; reject: boolean; release: boolean; retry: boolean };
};

const REFRESH_MS = 5000;

let currentConfig: ConsoleConfig | undefined;
let currentMe: Me | undefined;
let refreshTimer: number | undefined;

export const main = (): HTMLElement => byId('main');

/** The deployment's settings (loaded once, before any view renders). */
export function config(): ConsoleConfig {
  if (!currentConfig) throw new Error('console: the configuration is not loaded yet');
  return currentConfig;
}

export function setConfig(value: ConsoleConfig): void {
  currentConfig = value;
}

/** The signed-in user, or undefined before sign-in. */
export function me(): Me | undefined {
  return currentMe;
}

export function setMe(value: Me): void {
  currentMe = value;
}

export function can(role: string): boolean {
  return currentMe?.roles.includes(role) ?? false;
}

export function stopRefresh(): void {
  if (refreshTimer !== undefined) window.clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

export function scheduleRefresh(fn: () => void): void {
  stopRefresh();
  refreshTimer = window.setTimeout(fn, REFRESH_MS);
}
