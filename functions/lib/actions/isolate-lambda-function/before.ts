/** What `isolate-lambda-function` records before acting; release reads it. Absent configurations are states too. */
import * as z from 'zod';

/** The function's reserved concurrency; `absent`: none set (the function draws on the account's pool). */
const concurrencySchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('absent') }),
  z.object({ state: z.literal('present'), reserved: z.number().int().min(0) }),
]);
export type RecordedConcurrency = z.output<typeof concurrencySchema>;

const corsSchema = z.object({
  AllowCredentials: z.boolean().optional(),
  AllowHeaders: z.array(z.string()).optional(),
  AllowMethods: z.array(z.string()).optional(),
  AllowOrigins: z.array(z.string()).optional(),
  ExposeHeaders: z.array(z.string()).optional(),
  MaxAge: z.number().optional(),
});

/** The unqualified function's URL configuration; `absent`: the function has no URL. */
const urlSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('absent') }),
  z.object({
    state: z.literal('present'),
    functionUrl: z.string(),
    authType: z.string(),
    cors: corsSchema.optional(),
    invokeMode: z.string().optional(),
  }),
]);
export type RecordedUrl = z.output<typeof urlSchema>;

/** A resource-policy statement exactly as GetPolicy returned it. */
export const statementSchema = z.record(z.string(), z.unknown());
export type PolicyStatement = z.output<typeof statementSchema>;

const functionSchema = z.object({
  functionName: z.string(),
  functionArn: z.string(),
  concurrency: concurrencySchema,
  url: urlSchema,
  /** The statements apply removes (public or cross-account, and restorable with AddPermission), in full. */
  removedStatements: z.array(statementSchema),
  /** The execution role's ARN at capture. */
  executionRoleArn: z.string().optional(),
  /** Written by the revocation step: the role carrying cordon's deny and its cut-off. */
  sessionRevocation: z.object({ roleName: z.string(), issuedBefore: z.string() }).optional(),
});
export type FunctionBefore = z.output<typeof functionSchema>;

/** The whole before-state: `lambdaFunction` is absent until the first step recorded it. */
export const functionBeforeSchema = z.object({ lambdaFunction: functionSchema.optional() });

/** The recorded function state, parsed (never cast) from the before-state; undefined when none is recorded. */
export function recordedFunction(before: Readonly<Record<string, unknown>>): FunctionBefore | undefined {
  const parsed = functionSchema.safeParse(before['lambdaFunction']);
  return parsed.success ? parsed.data : undefined;
}
