/** ElasticLoadBalancing for cordon: `ElasticLoadBalancingClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type {
  ElasticLoadBalancing,
  ElasticLoadBalancingClientConfig,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  ElasticLoadBalancingClient,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import { modularClient } from '../modular.js';

const COMMANDS = {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
};

/** A client with every method of `ElasticLoadBalancing`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: ElasticLoadBalancingClientConfig): ElasticLoadBalancing {
  return modularClient<ElasticLoadBalancing>(
    new ElasticLoadBalancingClient(config),
    COMMANDS,
    '@aws-sdk/client-elastic-load-balancing',
  );
}
