/** Systems Manager for cordon: `SSMClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { SSM, SSMClientConfig } from '@aws-sdk/client-ssm';
import {
  SSMClient,
  DescribeDocumentCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { modularClient } from '../modular.js';

const COMMANDS = {
  DescribeDocumentCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
};

/** A client with every method of `SSM`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: SSMClientConfig): SSM {
  return modularClient<SSM>(new SSMClient(config), COMMANDS, '@aws-sdk/client-ssm');
}
