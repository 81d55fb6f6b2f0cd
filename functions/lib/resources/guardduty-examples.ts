/**
 * Typical GuardDuty `resource` blocks naming a resource of each kind, per resource family, for `cordon policy
 * coverage` only. Kept out of the kind modules so that the Lambdas, which import every kind at init, do not
 * carry them. Every kind that GuardDuty findings name states at least one (test/resources/registry.test.ts).
 */
import type { GuardDutyExample } from './kind.js';
import { EC2_INSTANCE } from './ec2-instance.js';
import { ECS_TASK } from './ecs-task.js';
import { EKS_CLUSTER } from './eks-cluster.js';
import { IAM_ACCESS_KEY } from './iam-access-key.js';
import { IAM_ROLE } from './iam-role.js';
import { LAMBDA_FUNCTION } from './lambda-function.js';
import { RDS_DB_INSTANCE } from './rds-db-instance.js';
import { S3_BUCKET } from './s3-bucket.js';

export const GUARDDUTY_EXAMPLES: Readonly<Record<string, readonly GuardDutyExample[]>> = {
  [EC2_INSTANCE]: [
    {
      // Runtime Monitoring and Malware Protection findings on an EKS pod name its node beside the cluster.
      families: ['EKSCluster'],
      resource: {
        instanceDetails: { instanceId: 'i-0123456789abcdef0', networkInterfaces: [], tags: [] },
        eksClusterDetails: {
          name: 'example-cluster',
          arn: 'arn:aws:eks:us-east-1:111122223333:cluster/example-cluster',
        },
      },
    },
    {
      // EC2 findings; Runtime Monitoring and malware-scan findings name the EC2 instance (an EKS node, an ECS
      // container instance) that runs the workload in the same block.
      families: ['Instance', 'ECSCluster', 'Container'],
      resource: { instanceDetails: { instanceId: 'i-0123456789abcdef0', networkInterfaces: [], tags: [] } },
    },
  ],
  [ECS_TASK]: [
    {
      families: ['ECSCluster'],
      resource: {
        ecsClusterDetails: {
          name: 'example-cluster',
          arn: 'arn:aws:ecs:us-east-1:111122223333:cluster/example-cluster',
          taskDetails: {
            arn: 'arn:aws:ecs:us-east-1:111122223333:task/example-cluster/0123456789abcdef0123456789abcdef',
            launchType: 'FARGATE',
          },
        },
      },
    },
  ],
  [EKS_CLUSTER]: [
    {
      families: ['EKSCluster'],
      resource: {
        eksClusterDetails: {
          name: 'example-cluster',
          arn: 'arn:aws:eks:us-east-1:111122223333:cluster/example-cluster',
        },
      },
    },
  ],
  [IAM_ACCESS_KEY]: [
    {
      // IAM findings name the caller's key; S3 data-event findings name the caller beside the bucket.
      families: ['AccessKey', 'S3Bucket'],
      resource: {
        accessKeyDetails: {
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          principalId: 'AIDAEXAMPLEEXAMPLE',
          userName: 'example-user',
          userType: 'IAMUser',
        },
      },
    },
  ],
  [IAM_ROLE]: [
    {
      // Credential findings on a role session (InstanceCredentialExfiltration, MaliciousIPCaller with a role).
      families: ['AccessKey'],
      resource: {
        accessKeyDetails: {
          accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
          principalId: 'AROAEXAMPLEEXAMPLE:i-0123456789abcdef0',
          userName: 'example-role',
          userType: 'AssumedRole',
        },
      },
    },
    {
      // EKS audit-log findings whose Kubernetes user is an IAM role session.
      families: ['EKSCluster'],
      resource: {
        kubernetesDetails: {
          kubernetesUserDetails: {
            username: 'arn:aws:sts::111122223333:assumed-role/example-role/example-session',
            uid: 'aws-iam-authenticator:111122223333:AROAEXAMPLEEXAMPLE',
            groups: ['system:authenticated'],
            sessionName: ['example-session'],
          },
        },
      },
    },
  ],
  [LAMBDA_FUNCTION]: [
    {
      families: ['Lambda'],
      resource: {
        lambdaDetails: {
          functionName: 'example-function',
          functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:example-function',
        },
      },
    },
  ],
  [RDS_DB_INSTANCE]: [
    {
      families: ['RDSDBInstance'],
      resource: {
        rdsDbInstanceDetails: {
          dbInstanceIdentifier: 'example-db',
          dbInstanceArn: 'arn:aws:rds:us-east-1:111122223333:db:example-db',
          engine: 'aurora-mysql',
        },
      },
    },
  ],
  [S3_BUCKET]: [
    {
      // Malware Protection for S3 (`S3Object`) names the object's bucket in the same block.
      families: ['S3Bucket', 'S3Object'],
      resource: {
        s3BucketDetails: [
          { arn: 'arn:aws:s3:::example-bucket', name: 'example-bucket', type: 'Destination' },
        ],
      },
    },
  ],
};
