/**
 * The ECS task kind on its own: its ARN in each partition, protection ARNs, an API request by task ARN, and how it
 * is read from the real-shaped GuardDuty Runtime Monitoring sample on Fargate (test/events) and from ASFF.
 */
import { describe, expect, it } from 'vitest';
import { parseArn } from '../../functions/lib/kernel/arn.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { asffResources, guardDutyResources } from '../../functions/lib/findings/resources.js';
import { ValidationError } from '../../functions/lib/errors.js';
import {
  findKind,
  identifyingArn,
  protectionArns,
  requestedResource,
} from '../../functions/lib/resources/registry.js';
import { asffFinding, guardDutyDetail, PARTITION_CASES } from './support.js';

const ACCOUNT = '111122223333';
const TASK = '0123456789abcdef0123456789abcdef';
const SAMPLE = 'guardduty-ecs-fargate-runtime-cryptominer.docs-assembled.json';

describe.each(PARTITION_CASES)('ECS task kind in $partition ($region)', ({ region, partition }) => {
  const task: Resource = { type: 'ecs-task', id: TASK, cluster: 'web', accountId: ACCOUNT, region, tags: {} };

  it('builds the task ARN in the partition of the region, protected by it', () => {
    const arn = identifyingArn(task);
    expect(arn).toBe(`arn:${partition}:ecs:${region}:${ACCOUNT}:task/web/${TASK}`);
    expect(parseArn(arn)?.partition).toBe(partition);
    // Protecting its cluster protects the task.
    expect(protectionArns(task)).toEqual([arn, `arn:${partition}:ecs:${region}:${ACCOUNT}:cluster/web`]);
  });

  it('reads back a task an API request names by its ARN, and refuses an ARN without the cluster', () => {
    const byArn = requestedResource('ecs-task', {
      accountId: ACCOUNT,
      region,
      resourceId: `arn:${partition}:ecs:${region}:${ACCOUNT}:task/web/${TASK}`,
    });
    expect(byArn).toMatchObject({ type: 'ecs-task', id: TASK, cluster: 'web' });
    expect(() =>
      requestedResource('ecs-task', {
        accountId: ACCOUNT,
        region,
        resourceId: `arn:${partition}:ecs:${region}:${ACCOUNT}:task/${TASK}`,
      }),
    ).toThrow(ValidationError);
  });
});

describe('Reading ECS tasks from findings', () => {
  it('reads the task of a GuardDuty Runtime Monitoring finding on Fargate', () => {
    // Act
    const resources = guardDutyResources(guardDutyDetail(SAMPLE));

    // Assess
    expect(resources[0]).toEqual({
      type: 'ecs-task',
      id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      arn: 'arn:aws:ecs:us-east-1:123456789012:task/reports/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      accountId: '123456789012',
      region: 'us-east-1',
      tags: {},
      cluster: 'reports',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/report-renderer:17',
      launchType: 'FARGATE',
    });
    expect(findKind('ecs-task')?.consolePage?.path).toContain('{id}');
  });

  it('takes the cluster from the cluster block for an old-format task ARN (no cluster in it)', () => {
    // Prepare
    const detail = guardDutyDetail(SAMPLE);
    const cluster = detail.resource.ecsClusterDetails;
    if (!cluster?.taskDetails) throw new Error('the sample names no task');
    cluster.taskDetails.arn = `arn:aws:ecs:us-east-1:123456789012:task/${TASK}`;

    // Act
    const [first] = guardDutyResources(detail);

    // Assess
    expect(first).toMatchObject({ type: 'ecs-task', id: TASK, cluster: 'reports' });
  });

  it('reads an AwsEcsTask ASFF resource by its ARN', () => {
    // Prepare: the imported GuardDuty twin, its resource turned into the task (no ASFF sample names one).
    const finding = asffFinding('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');
    finding.Resources = [
      { Type: 'AwsEcsTask', Id: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/web/${TASK}`, Region: 'us-east-1' },
    ];

    // Act
    const resources = asffResources(finding, 'us-east-1');

    // Assess
    expect(resources).toEqual([expect.objectContaining({ type: 'ecs-task', id: TASK, cluster: 'web' })]);
  });
});
