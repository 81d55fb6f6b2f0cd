/** SecurityHub for cordon: `SecurityHubClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { SecurityHub, SecurityHubClientConfig } from '@aws-sdk/client-securityhub';
import {
  SecurityHubClient,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
} from '@aws-sdk/client-securityhub';
import { modularClient } from '../modular.js';

const COMMANDS = {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
};

/** A client with every method of `SecurityHub`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: SecurityHubClientConfig): SecurityHub {
  return modularClient<SecurityHub>(new SecurityHubClient(config), COMMANDS, '@aws-sdk/client-securityhub');
}
