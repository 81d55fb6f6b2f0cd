/**
 * Write-back and notification faults, for every action: Security Hub still throttling after the SDK's retries,
 * Security Hub answering with UnprocessedFindings, and SNS failing. None of them fails or undoes the containment;
 * each is recorded on the isolation and delivered by the next sweep, without containing anything again.
 */
import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES } from '../../functions/lib/actions/registry.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import type { Notifier } from '../../functions/lib/report/notifier.js';
import { awsFault } from '../aws/support/faults.js';
import { useMoto } from '../support/moto.js';
import { MEMBER_SERVICES, SUBJECTS, containOnce, resilienceWorld, type ResilienceWorld } from './support.js';

const moto = useMoto({ resetEach: false });

interface ReportFault {
  name: string;
  channel: 'securityhub' | 'sns';
  inject(world: ResilienceWorld): void;
}

const FAULTS: ReportFault[] = [
  {
    name: 'Security Hub throttling after the SDK retries',
    channel: 'securityhub',
    inject: (world) =>
      void world.securityHub
        .on(BatchUpdateFindingsCommand)
        .rejects(awsFault('throttling', 'SecurityHub', 'BatchUpdateFindings')),
  },
  {
    name: 'Security Hub UnprocessedFindings',
    channel: 'securityhub',
    inject: (world) =>
      void world.securityHub.on(BatchUpdateFindingsCommand).resolves({
        ProcessedFindings: [],
        UnprocessedFindings: [
          {
            FindingIdentifier: { Id: 'any', ProductArn: 'any' },
            ErrorCode: 'FindingNotFound',
            ErrorMessage: 'not found',
          },
        ],
      }),
  },
  {
    name: 'an SNS failure',
    channel: 'sns',
    inject: (world) => {
      const failing: Notifier = {
        publish: async () => {
          throw awsFault('server-error', 'SNS', 'Publish');
        },
      };
      world.deps.notifier = failing;
    },
  },
];

describe('Resilience: write-back and notification faults', () => {
  describe.each(FAULTS)('$name', (fault) => {
    it.each(ACTION_NAMES)(
      'never fails or undoes %s; it is recorded and the sweep delivers it',
      async (name) => {
        // Prepare
        const world = await resilienceWorld(moto);
        const subject = SUBJECTS[name];
        if (!subject) throw new Error(`no subject for ${name}`);
        const { event } = await subject.create(world);
        const notifier = world.deps.notifier;
        fault.inject(world);

        // Act: contain while the report channel fails, then heal it and sweep
        const contained = await containOnce(world, event);
        const containChanges = world.recorder.commands.filter((c) => MEMBER_SERVICES.has(c.service)).length;
        world.securityHub
          .on(BatchUpdateFindingsCommand)
          .resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
        world.deps.notifier = notifier;
        world.recorder.clear();
        const sweep = await expireAndSweep(world.deps);
        await world.worker.drain();
        const after = await world.store.get(contained.id);

        // Assess: contained and recorded as owing a report
        expect(contained.status).toBe('ISOLATED');
        expect(contained.containedAt).toBeDefined();
        expect(containChanges).toBeGreaterThan(0);
        expect(contained.pendingReports.map((p) => p.channel)).toEqual([fault.channel]);
        expect(contained.reports[fault.channel]).toMatchObject({ ok: false, status: 'ISOLATED' });
        // Assess: the sweep delivered it without touching the resource again
        expect(sweep.reportsRetried).toContain(contained.id);
        expect(after?.status).toBe('ISOLATED');
        expect(after?.pendingReports).toEqual([]);
        expect(after?.reports[fault.channel]).toMatchObject({ ok: true, status: 'ISOLATED' });
        expect(world.recorder.commands.filter((c) => MEMBER_SERVICES.has(c.service))).toEqual([]);
      },
    );
  });
});
