/**
 * The reads and writes `isolate-lambda-function` makes on one function (always its unqualified name), each
 * labelled with its IAM action. Lambda answers ResourceNotFoundException both for a missing function and for a
 * missing URL or policy: the readers below call them only alongside GetFunctionConfiguration, which tells the two
 * apart (a missing function fails the step, or ends the run as vanished).
 */
import type { Lambda } from '@aws-sdk/client-lambda';
import { unlessNotFound } from '../../aws/errors.js';
import { awsCall } from '../steps.js';
import type { PolicyStatement, RecordedConcurrency, RecordedUrl } from './before.js';
import { policyStatements, type PermissionInput } from './policy.js';

export interface FunctionRef {
  lambda: Lambda;
  FunctionName: string;
}

/** The execution role's ARN. @throws AwsCallError (ResourceNotFoundException: the function is gone) */
export async function readExecutionRole(ref: FunctionRef): Promise<string | undefined> {
  const out = await awsCall('lambda:GetFunctionConfiguration', () =>
    ref.lambda.getFunctionConfiguration({ FunctionName: ref.FunctionName }),
  );
  return out.Role;
}

export async function readConcurrency(ref: FunctionRef): Promise<RecordedConcurrency> {
  const out = await awsCall('lambda:GetFunctionConcurrency', () =>
    ref.lambda.getFunctionConcurrency({ FunctionName: ref.FunctionName }),
  );
  const reserved = out.ReservedConcurrentExecutions;
  return reserved === undefined ? { state: 'absent' } : { state: 'present', reserved };
}

export async function putConcurrency(ref: FunctionRef, reserved: number): Promise<void> {
  await awsCall('lambda:PutFunctionConcurrency', () =>
    ref.lambda.putFunctionConcurrency({
      FunctionName: ref.FunctionName,
      ReservedConcurrentExecutions: reserved,
    }),
  );
}

export async function deleteConcurrency(ref: FunctionRef): Promise<void> {
  await awsCall('lambda:DeleteFunctionConcurrency', () =>
    ref.lambda.deleteFunctionConcurrency({ FunctionName: ref.FunctionName }),
  );
}

/** The unqualified function's URL configuration; `absent` when it has none. */
export async function readUrl(ref: FunctionRef): Promise<RecordedUrl> {
  const out = await awsCall('lambda:GetFunctionUrlConfig', () =>
    unlessNotFound(ref.lambda.getFunctionUrlConfig({ FunctionName: ref.FunctionName })),
  );
  if (out?.FunctionUrl === undefined || out.AuthType === undefined) return { state: 'absent' };
  return {
    state: 'present',
    functionUrl: out.FunctionUrl,
    authType: out.AuthType,
    ...(out.Cors !== undefined ? { cors: { ...out.Cors } } : {}),
    ...(out.InvokeMode !== undefined ? { invokeMode: out.InvokeMode } : {}),
  };
}

/** Change only the URL's auth type: its address, CORS and invoke mode stay. */
export async function setUrlAuthType(ref: FunctionRef, authType: 'NONE' | 'AWS_IAM'): Promise<void> {
  await awsCall('lambda:UpdateFunctionUrlConfig', () =>
    ref.lambda.updateFunctionUrlConfig({ FunctionName: ref.FunctionName, AuthType: authType }),
  );
}

/** The statements of the unqualified function's resource policy; `[]` when it has none. */
export async function readStatements(ref: FunctionRef): Promise<PolicyStatement[]> {
  const out = await awsCall('lambda:GetPolicy', () =>
    unlessNotFound(ref.lambda.getPolicy({ FunctionName: ref.FunctionName })),
  );
  if (out?.Policy === undefined) return [];
  return policyStatements(ref.FunctionName, out.Policy);
}

/** Remove one statement; false when it was already gone (a concurrent run, or by hand). */
export async function removeStatement(ref: FunctionRef, sid: string): Promise<boolean> {
  const out = await awsCall('lambda:RemovePermission', () =>
    unlessNotFound(ref.lambda.removePermission({ FunctionName: ref.FunctionName, StatementId: sid })),
  );
  return out !== undefined;
}

export async function addStatement(ref: FunctionRef, input: PermissionInput): Promise<void> {
  await awsCall('lambda:AddPermission', () =>
    ref.lambda.addPermission({ ...input, FunctionName: ref.FunctionName }),
  );
}
