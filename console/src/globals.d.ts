/** Injected by console/build.ts (esbuild `define`): each action's step names, from its definition. */
declare const __CORDON_ACTION_STEPS__: Record<string, { apply: string[]; release: string[] }>;
declare const __CORDON_CONSOLE_PAGES__: Record<string, { path: string; global?: boolean }>;
