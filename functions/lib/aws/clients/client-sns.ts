/** SNS for cordon: `SNSClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { SNS, SNSClientConfig } from '@aws-sdk/client-sns';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { modularClient } from '../modular.js';

const COMMANDS = {
  PublishCommand,
};

/** A client with every method of `SNS`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: SNSClientConfig): SNS {
  return modularClient<SNS>(new SNSClient(config), COMMANDS, '@aws-sdk/client-sns');
}
