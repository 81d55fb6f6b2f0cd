/** ElasticLoadBalancingV2 for cordon: `ElasticLoadBalancingV2Client` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type {
  ElasticLoadBalancingV2,
  ElasticLoadBalancingV2ClientConfig,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ElasticLoadBalancingV2Client,
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { modularClient } from '../modular.js';

const COMMANDS = {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
};

/** A client with every method of `ElasticLoadBalancingV2`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: ElasticLoadBalancingV2ClientConfig): ElasticLoadBalancingV2 {
  return modularClient<ElasticLoadBalancingV2>(
    new ElasticLoadBalancingV2Client(config),
    COMMANDS,
    '@aws-sdk/client-elastic-load-balancing-v2',
  );
}
