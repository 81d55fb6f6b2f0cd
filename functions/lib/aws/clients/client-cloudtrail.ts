/** CloudTrail for cordon: `CloudTrailClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { CloudTrail, CloudTrailClientConfig } from '@aws-sdk/client-cloudtrail';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { modularClient } from '../modular.js';

const COMMANDS = {
  LookupEventsCommand,
};

/** A client with every method of `CloudTrail`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: CloudTrailClientConfig): CloudTrail {
  return modularClient<CloudTrail>(new CloudTrailClient(config), COMMANDS, '@aws-sdk/client-cloudtrail');
}
