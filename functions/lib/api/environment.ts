/**
 * What the `api` and `console` functions' configurations share: the console's sign-in variables and how an
 * environment is parsed. Each function validates only the variables it reads (functions/lib/api/config.ts,
 * functions/lib/console/config.ts); nothing else reads `process.env`.
 */
import * as z from 'zod';
import { ConfigurationError } from '../errors.js';

/** An HTTPS URL: the identity provider's endpoints are never reached over plain HTTP. */
export const httpsUrl = z.url({ protocol: /^https$/ });

/** The console's sign-in settings (public values only, never a secret). */
export const CONSOLE_SIGN_IN_ENV = {
  CORDON_CONSOLE_AUTHORIZE_URL: httpsUrl.optional(),
  CORDON_CONSOLE_TOKEN_URL: httpsUrl.optional(),
  CORDON_CONSOLE_LOGOUT_URL: httpsUrl.optional(),
  CORDON_CONSOLE_SCOPES: z.string().min(1).default('openid profile'),
};

/**
 * Parse environment variables with a zod schema.
 * @param what the configuration's name in the error message, e.g. `API`
 * @throws ConfigurationError naming every missing or malformed variable
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigurationError(`invalid ${what} configuration: ${details.join('; ')}`);
  }
  return parsed.data;
}
