/** GuardDuty for cordon: `GuardDutyClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { GuardDuty, GuardDutyClientConfig } from '@aws-sdk/client-guardduty';
import { GuardDutyClient, GetFindingsCommand } from '@aws-sdk/client-guardduty';
import { modularClient } from '../modular.js';

const COMMANDS = {
  GetFindingsCommand,
};

/** A client with every method of `GuardDuty`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: GuardDutyClientConfig): GuardDuty {
  return modularClient<GuardDuty>(new GuardDutyClient(config), COMMANDS, '@aws-sdk/client-guardduty');
}
