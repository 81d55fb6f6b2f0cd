/** Console-wide state: the deployment's settings, the signed-in user and the auto-refresh timer. */
import type { ConfigView, IsolationView, MeView } from '../../functions/lib/api/contract.js';
import { byId } from './dom.js';

/** The API's answers, as the contract declares them (functions/lib/api/contract.ts). */
export type ConsoleConfig = ConfigView;
export type Me = MeView;
export type Isolation = IsolationView;

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

export function can(role: Me['roles'][number]): boolean {
  return currentMe?.roles.includes(role) ?? false;
}

export function stopRefresh(): void {
  if (refreshTimer !== undefined) window.clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

export function scheduleRefresh(fn: () => void, ms = REFRESH_MS): void {
  stopRefresh();
  refreshTimer = window.setTimeout(fn, ms);
}
