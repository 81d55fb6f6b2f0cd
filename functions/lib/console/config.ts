/**
 * The console function's configuration, parsed once from the environment with zod. Its only setting is the
 * sign-in token endpoint, which its Content-Security-Policy must let the page call: the console function has no
 * AWS resource to reach and no pipeline setting to read. The variable is the one the API reads for
 * `/config.json` (functions/lib/api/environment.ts), validated the same way.
 */
import * as z from 'zod';
import { CONSOLE_SIGN_IN_ENV, parseEnvironment } from '../api/environment.js';

export interface ConsoleConfig {
  /** The identity provider's token endpoint, when the console's sign-in is configured. */
  tokenUrl?: string;
}

const EnvSchema = z.object({ CORDON_CONSOLE_TOKEN_URL: CONSOLE_SIGN_IN_ENV.CORDON_CONSOLE_TOKEN_URL });

/**
 * Parse the console configuration from environment variables.
 * @throws ConfigurationError when `CORDON_CONSOLE_TOKEN_URL` is set but is not an HTTPS URL
 */
export function loadConsoleConfig(env: Record<string, string | undefined> = process.env): ConsoleConfig {
  const e = parseEnvironment(EnvSchema, env, 'console');
  return e.CORDON_CONSOLE_TOKEN_URL ? { tokenUrl: e.CORDON_CONSOLE_TOKEN_URL } : {};
}
