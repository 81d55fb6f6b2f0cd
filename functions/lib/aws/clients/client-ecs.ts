/** ECS for cordon: `ECSClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { ECS, ECSClientConfig } from '@aws-sdk/client-ecs';
import {
  ECSClient,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { modularClient } from '../modular.js';

const COMMANDS = { DescribeTaskDefinitionCommand, DescribeTasksCommand, StopTaskCommand };

/** A client with every method of `ECS`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: ECSClientConfig): ECS {
  return modularClient<ECS>(new ECSClient(config), COMMANDS, '@aws-sdk/client-ecs');
}
