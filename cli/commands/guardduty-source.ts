/**
 * `cordon replay --from-guardduty DETECTOR:FINDING`: a live GuardDuty finding, fetched with `GetFindings` and
 * wrapped in the EventBridge envelope GuardDuty would have sent, so a responder can ask what cordon would have done
 * with yesterday's finding.
 *
 * EventBridge delivers a GuardDuty finding with the API's own JSON field names (`accountId`, `productCodeId`...),
 * which are not always the SDK's member names turned to camel case. So the finding is taken from the response body
 * as GuardDuty sent it, captured below the SDK's deserialiser, not rebuilt from the SDK's objects.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetFindingsCommand, type GuardDutyClient } from '@aws-sdk/client-guardduty';
import { z } from 'zod';
import { InputError } from '../kit.js';

/** A finding in a detector, as given on the command line. */
export interface GuardDutyFindingRef {
  detectorId: string;
  findingId: string;
}

const ID = /^[0-9a-z]{1,300}$/;

/** `<detector-id>:<finding-id>`, both lower-case hex as GuardDuty writes them. */
export function parseGuardDutyRef(text: string): GuardDutyFindingRef {
  const [detectorId = '', findingId = '', ...rest] = text.split(':');
  if (rest.length > 0 || !ID.test(detectorId) || !ID.test(findingId)) {
    throw new InputError(
      `--from-guardduty ${JSON.stringify(text)}: expected <detector-id>:<finding-id>, e.g. 12abc34d567e8fa901bc2d34e56789f0:a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2 (aws guardduty list-detectors and list-findings show them)`,
    );
  }
  return { detectorId, findingId };
}

/** The fields of the wire-format finding the envelope is built from; the rest is kept exactly as sent. */
const WireFindings = z.object({
  findings: z.array(
    z.looseObject({ id: z.string(), accountId: z.string(), region: z.string(), updatedAt: z.string() }),
  ),
});

async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/** GetFindings of one finding, returning the response body's JSON as GuardDuty sent it. */
async function getFindingsBody(client: GuardDutyClient, ref: GuardDutyFindingRef): Promise<unknown> {
  const command = new GetFindingsCommand({ DetectorId: ref.detectorId, FindingIds: [ref.findingId] });
  let raw: Uint8Array | undefined;
  // Below the deserialiser (priority low within its step): read the body once, keep a copy, hand the same bytes on.
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response: unknown = result.response;
      if (response !== null && typeof response === 'object' && 'body' in response) {
        raw = await bytesOf(response.body);
        // A stream again, as the HTTP handler gives it, so the deserialiser reads it the usual way.
        response.body = Readable.from([raw]);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'cordonKeepRawFindingBody' },
  );
  await client.send(command);
  if (raw === undefined) throw new InputError('GetFindings returned no body');
  return JSON.parse(Buffer.from(raw).toString('utf8'));
}

/** The EventBridge event GuardDuty would have sent for the finding, or an InputError naming what is missing. */
export async function guardDutyEvent(
  client: GuardDutyClient,
  ref: GuardDutyFindingRef,
  region: string,
): Promise<Record<string, unknown>> {
  const parsed = WireFindings.safeParse(await getFindingsBody(client, ref));
  if (!parsed.success)
    throw new InputError(`GetFindings returned an unexpected body: ${parsed.error.message}`);
  const finding = parsed.data.findings.find((f) => f.id === ref.findingId);
  if (finding === undefined) {
    throw new InputError(
      `GuardDuty has no finding ${ref.findingId} in detector ${ref.detectorId} in ${region}; check the region (--region) and that these credentials are in the detector's account or its GuardDuty administrator`,
    );
  }
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: finding.accountId,
    time: finding.updatedAt,
    region: finding.region,
    resources: [],
    detail: finding,
  };
}
