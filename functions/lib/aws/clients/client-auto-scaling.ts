/** AutoScaling for cordon: `AutoScalingClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { AutoScaling, AutoScalingClientConfig } from '@aws-sdk/client-auto-scaling';
import {
  AutoScalingClient,
  AttachInstancesCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import { modularClient } from '../modular.js';

const COMMANDS = {
  AttachInstancesCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
};

/** A client with every method of `AutoScaling`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: AutoScalingClientConfig): AutoScaling {
  return modularClient<AutoScaling>(new AutoScalingClient(config), COMMANDS, '@aws-sdk/client-auto-scaling');
}
