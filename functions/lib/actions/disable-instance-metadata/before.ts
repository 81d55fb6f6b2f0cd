/** What `disable-instance-metadata` records before changing anything; release reads it. */
import * as z from 'zod';

/** The instance metadata service settings DescribeInstances returned before cordon acted. */
const metadataOptionsSchema = z.object({
  httpEndpoint: z.string(),
  httpTokens: z.string().optional(),
  httpPutResponseHopLimit: z.number().optional(),
  instanceMetadataTags: z.string().optional(),
});
export type RecordedMetadataOptions = z.output<typeof metadataOptionsSchema>;

/** The whole before-state: `metadataOptions` is absent until the first step recorded it. */
export const metadataBeforeSchema = z.object({
  instanceId: z.string().optional(),
  metadataOptions: metadataOptionsSchema.optional(),
});
export type MetadataBefore = z.output<typeof metadataBeforeSchema>;

/** The recorded options, parsed (never cast) from the before-state; undefined when none are recorded. */
export function recordedOptions(
  before: Readonly<Record<string, unknown>>,
): RecordedMetadataOptions | undefined {
  const parsed = metadataOptionsSchema.safeParse(before['metadataOptions']);
  return parsed.success ? parsed.data : undefined;
}
