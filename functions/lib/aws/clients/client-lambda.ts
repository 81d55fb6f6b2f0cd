/** Lambda for cordon: `LambdaClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { Lambda, LambdaClientConfig } from '@aws-sdk/client-lambda';
import {
  LambdaClient,
  AddPermissionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { modularClient } from '../modular.js';

const COMMANDS = {
  AddPermissionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
};

/** A client with every method of `Lambda`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: LambdaClientConfig): Lambda {
  return modularClient<Lambda>(new LambdaClient(config), COMMANDS, '@aws-sdk/client-lambda');
}
