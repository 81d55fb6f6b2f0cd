/** Identitystore for cordon: `IdentitystoreClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { Identitystore, IdentitystoreClientConfig } from '@aws-sdk/client-identitystore';
import {
  IdentitystoreClient,
  GetUserIdCommand,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import { modularClient } from '../modular.js';

const COMMANDS = {
  GetUserIdCommand,
  ListGroupMembershipsForMemberCommand,
};

/** A client with every method of `Identitystore`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: IdentitystoreClientConfig): Identitystore {
  return modularClient<Identitystore>(
    new IdentitystoreClient(config),
    COMMANDS,
    '@aws-sdk/client-identitystore',
  );
}
