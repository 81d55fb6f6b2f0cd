/**
 * The API's configuration, parsed once from the environment with zod. Nothing else in the API reads
 * `process.env`: the Lambda entry calls {@link loadApiConfig}, tests and the sandbox build an {@link ApiConfig}
 * directly.
 */
import * as z from 'zod';
import { CONSOLE_SIGN_IN_ENV, httpsUrl, parseEnvironment } from './environment.js';
import type { ConsoleAuthView } from './contract.js';
import { MachineClientsSchema, type MachineClient } from './machine-scopes.js';

/** Which identity provider issues the bearer tokens. */
export type AuthConfig =
  | {
      kind: 'cognito';
      userPoolId: string;
      clientId: string;
      tokenUse: 'access' | 'id';
    }
  | {
      kind: 'oidc';
      issuer: string;
      audience: string;
      jwksUri: string;
      /** When set, the token's `token_use` claim must equal it (Cognito-style issuers); `any` skips the check. */
      tokenUse: 'access' | 'id' | 'any';
    };

/** The group names that grant roles, and the claims they are read from. */
export interface GroupConfig {
  claim: string;
  requesters: string;
  approvers: string;
  viewers: string;
}

/** What the console needs to sign users in (public values only: never a secret); served in `/config.json`. */
export type ConsoleAuthConfig = ConsoleAuthView;

export interface ApiConfig {
  auth: AuthConfig;
  groups: GroupConfig;
  /** OAuth client-credentials clients allowed to call the API, with their scopes (machine.ts). None when absent. */
  machineClients?: readonly MachineClient[];
  /** Absent when the hosted sign-in is not configured; the console then says so instead of looping. */
  consoleAuth?: ConsoleAuthConfig;
  /** Default region for links to the Security Hub console. */
  region: string;
  /** True only in the local sandbox: the console shows a SANDBOX banner and the sandbox panels. */
  sandbox: boolean;
  /**
   * Name of the read-only role the API assumes in member accounts to resolve a Name tag to instance ids
   * (`GET /resources/instances`; the member-role module's lookup role). Absent: the form takes ids only.
   */
  instanceLookupRole?: string;
}

const EnvSchema = z
  .object({
    AWS_REGION: z.string().min(1).default('us-east-1'),
    CORDON_AUTH_MODE: z.enum(['cognito', 'oidc']).default('cognito'),
    CORDON_COGNITO_USER_POOL_ID: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/, 'expected a user pool id such as eu-west-1_AbCdEf123')
      .optional(),
    CORDON_AUTH_CLIENT_ID: z.string().min(1).optional(),
    CORDON_AUTH_ISSUER: httpsUrl.optional(),
    CORDON_AUTH_AUDIENCE: z.string().min(1).optional(),
    CORDON_AUTH_JWKS_URI: httpsUrl.optional(),
    CORDON_AUTH_TOKEN_USE: z.enum(['access', 'id', 'any']).default('access'),
    CORDON_AUTH_GROUPS_CLAIM: z.string().min(1).default('cognito:groups'),
    CORDON_GROUP_REQUESTERS: z.string().min(1).default('cordon-requesters'),
    CORDON_GROUP_APPROVERS: z.string().min(1).default('cordon-approvers'),
    CORDON_GROUP_VIEWERS: z.string().min(1).default('cordon-viewers'),
    // JSON: [{"clientId":"…","name":"soar","scopes":["cordon/read","cordon/request"]}] (Terraform machine_clients).
    CORDON_MACHINE_CLIENTS: z
      .string()
      .default('[]')
      .transform((text, ctx): unknown => {
        try {
          return JSON.parse(text);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON' });
          return z.NEVER;
        }
      })
      .pipe(MachineClientsSchema),
    // The member accounts' read-only lookup role (terraform/modules/member-role, lookup_role_enabled).
    CORDON_LOOKUP_ROLE_NAME: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name')
      .optional(),
    // /config.json tells the console how to sign in.
    ...CONSOLE_SIGN_IN_ENV,
  })
  .superRefine((env, ctx) => {
    if (env.CORDON_AUTH_MODE === 'cognito') {
      if (!env.CORDON_COGNITO_USER_POOL_ID)
        ctx.addIssue({
          code: 'custom',
          path: ['CORDON_COGNITO_USER_POOL_ID'],
          message: 'required in cognito mode',
        });
      if (env.CORDON_AUTH_TOKEN_USE === 'any')
        ctx.addIssue({
          code: 'custom',
          path: ['CORDON_AUTH_TOKEN_USE'],
          message: 'cognito tokens are access or id',
        });
    } else {
      for (const key of ['CORDON_AUTH_ISSUER', 'CORDON_AUTH_JWKS_URI'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required in oidc mode' });
      }
    }
    // Console sign-in needs both endpoints; one alone would silently leave the console without sign-in.
    if (Boolean(env.CORDON_CONSOLE_AUTHORIZE_URL) !== Boolean(env.CORDON_CONSOLE_TOKEN_URL)) {
      const missing = env.CORDON_CONSOLE_AUTHORIZE_URL
        ? 'CORDON_CONSOLE_TOKEN_URL'
        : 'CORDON_CONSOLE_AUTHORIZE_URL';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message:
          'console sign-in needs both CORDON_CONSOLE_AUTHORIZE_URL and CORDON_CONSOLE_TOKEN_URL (or neither)',
      });
    }
    // A machine client that is also the console's client would be both a person and a machine.
    const human = env.CORDON_AUTH_CLIENT_ID ?? env.CORDON_AUTH_AUDIENCE;
    if (env.CORDON_MACHINE_CLIENTS.some((c) => c.clientId === human))
      ctx.addIssue({
        code: 'custom',
        path: ['CORDON_MACHINE_CLIENTS'],
        message: "a machine client cannot be the console's client",
      });
    if (!env.CORDON_AUTH_CLIENT_ID && !env.CORDON_AUTH_AUDIENCE)
      ctx.addIssue({
        code: 'custom',
        path: ['CORDON_AUTH_CLIENT_ID'],
        message: 'the app client id (audience) is required: tokens must be checked for their audience',
      });
  });

/**
 * Parse the API configuration from environment variables.
 * @throws ConfigurationError naming every missing or malformed variable
 */
export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const e = parseEnvironment(EnvSchema, env, 'API');
  const clientId = e.CORDON_AUTH_CLIENT_ID ?? e.CORDON_AUTH_AUDIENCE ?? '';
  const auth: AuthConfig =
    e.CORDON_AUTH_MODE === 'cognito'
      ? {
          kind: 'cognito',
          userPoolId: e.CORDON_COGNITO_USER_POOL_ID ?? '',
          clientId,
          tokenUse: e.CORDON_AUTH_TOKEN_USE === 'id' ? 'id' : 'access',
        }
      : {
          kind: 'oidc',
          issuer: e.CORDON_AUTH_ISSUER ?? '',
          audience: e.CORDON_AUTH_AUDIENCE ?? clientId,
          jwksUri: e.CORDON_AUTH_JWKS_URI ?? '',
          tokenUse: e.CORDON_AUTH_TOKEN_USE,
        };
  const consoleAuth: ConsoleAuthConfig | undefined =
    e.CORDON_CONSOLE_AUTHORIZE_URL && e.CORDON_CONSOLE_TOKEN_URL
      ? {
          authorizeUrl: e.CORDON_CONSOLE_AUTHORIZE_URL,
          tokenUrl: e.CORDON_CONSOLE_TOKEN_URL,
          clientId,
          scopes: e.CORDON_CONSOLE_SCOPES,
          ...(e.CORDON_CONSOLE_LOGOUT_URL ? { logoutUrl: e.CORDON_CONSOLE_LOGOUT_URL } : {}),
        }
      : undefined;
  return {
    auth,
    groups: {
      claim: e.CORDON_AUTH_GROUPS_CLAIM,
      requesters: e.CORDON_GROUP_REQUESTERS,
      approvers: e.CORDON_GROUP_APPROVERS,
      viewers: e.CORDON_GROUP_VIEWERS,
    },
    machineClients: e.CORDON_MACHINE_CLIENTS,
    ...(consoleAuth ? { consoleAuth } : {}),
    region: e.AWS_REGION,
    sandbox: false,
    ...(e.CORDON_LOOKUP_ROLE_NAME ? { instanceLookupRole: e.CORDON_LOOKUP_ROLE_NAME } : {}),
  };
}
