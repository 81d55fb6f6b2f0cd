/**
 * The sample events of `test/events/` as benchmark input: read once, normalised once (outside any timed loop),
 * and multiplied into a realistic mix of findings (several accounts, severities and finding types).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { labelForScore } from '../../functions/lib/findings/severity.js';
import { EC2_INSTANCE } from '../../functions/lib/resources/ec2-instance.js';

const EVENTS_DIR = 'test/events';

/** Every sample event file, parsed. */
export function sampleEvents(): { file: string; event: Record<string, unknown> }[] {
  return readdirSync(EVENTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      event: JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as Record<string, unknown>,
    }));
}

const EC2_TYPES = [
  'Backdoor:EC2/C&CActivity.B!DNS',
  'CryptoCurrency:EC2/BitcoinTool.B',
  'Trojan:EC2/DNSDataExfiltration',
  'UnauthorizedAccess:EC2/SSHBruteForce',
  'Recon:EC2/PortProbeUnprotectedPort',
];
const IAM_TYPES = [
  'UnauthorizedAccess:IAMUser/TorIPCaller',
  'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
  'PenTest:IAMUser/KaliLinux',
  'Discovery:IAMUser/AnomalousBehavior',
];
export const MIX_ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
const SCORES = [2, 5, 8];

/**
 * A mix of findings derived from the samples: each sample finding in 5 accounts and 3 severities, and (for
 * GuardDuty findings) with the other finding types of its resource family. Sample flags are cleared so that
 * the findings stand for real ones (the default policy ignores GuardDuty's generated samples).
 */
export function findingMix(): Finding[] {
  const base = sampleEvents().flatMap(({ event }) => normaliseFindings(event));
  const out: Finding[] = [];
  for (const finding of base) {
    const family = finding.resources.some((r) => r.type === EC2_INSTANCE) ? EC2_TYPES : IAM_TYPES;
    const types = finding.source === 'guardduty' ? family : [finding.type];
    for (const type of types) {
      for (const accountId of MIX_ACCOUNTS) {
        for (const score of SCORES) {
          out.push({
            ...finding,
            key: `${finding.key}/${type}/${accountId}/${score}`,
            type,
            accountId,
            sample: false,
            severity: { score, label: labelForScore(score) },
            resources: finding.resources.map((r) => ({ ...r, accountId })),
          });
        }
      }
    }
  }
  return out;
}
