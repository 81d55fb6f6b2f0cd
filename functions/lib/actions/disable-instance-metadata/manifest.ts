/**
 * The manifest of `disable-instance-metadata`: turn an EC2 instance's metadata endpoint off. Side-effect free: see
 * actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { EC2_INSTANCE } from '../../resources/ec2-instance.js';
import { INSTANCES } from '../iam-scopes.js';

const params = z.object({}).strict();

export const disableInstanceMetadataManifest = defineActionManifest({
  name: 'disable-instance-metadata',
  description:
    'Turn the instance metadata service of an EC2 instance off (HttpEndpoint=disabled), so it can no longer fetch role credentials; release turns it back on.',
  resourceType: EC2_INSTANCE,
  params,
  permissions: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],
  scoping: { 'ec2:ModifyInstanceMetadataOptions': [INSTANCES] },
});
