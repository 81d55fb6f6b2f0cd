/** STS for cordon: `STSClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { STS, STSClientConfig } from '@aws-sdk/client-sts';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { modularClient } from '../modular.js';

const COMMANDS = {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
};

/** A client with every method of `STS`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: STSClientConfig): STS {
  return modularClient<STS>(new STSClient(config), COMMANDS, '@aws-sdk/client-sts');
}
