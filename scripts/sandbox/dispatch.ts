/**
 * Send one event through cordon as EventBridge would in AWS: the deployed rules' patterns decide which
 * Lambda core receives it (triage or approve), the worker runs in-process, and the outcome is summarised as
 * rows of (finding, rule, mode, outcome) for the progress lines and the summary table.
 */
import type { RuleFile } from '../../functions/lib/eventbridge/rules.js';
import { rulesReachedBy } from '../../functions/lib/eventbridge/rules.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { parseCordonEvent } from '../../functions/lib/findings/index.js';
import type { SandboxEnvironment } from './environment.js';

export interface OutcomeRow {
  finding: string;
  rule: string;
  mode: string;
  outcome: string;
}

export interface DispatchResult {
  reached: string[];
  rows: OutcomeRow[];
  isolations: { id: string; status: string }[];
}

/** Dispatch one event and wait for the workers it started. */
export async function dispatchEvent(
  env: SandboxEnvironment,
  event: unknown,
  rules: readonly RuleFile[],
): Promise<DispatchResult> {
  const vars = { account_id: env.config.securityAccountId, region: env.config.region };
  const reached = rulesReachedBy(event, rules, vars);
  const ids: string[] = [];
  const rows: {
    finding: string;
    rule: string;
    mode: string;
    outcome: (status: Map<string, string>) => string;
  }[] = [];
  if (reached.length === 0) {
    rows.push({
      finding: findingTypeOf(event),
      rule: '-',
      mode: '-',
      outcome: () => 'not routed: no EventBridge rule matches',
    });
  }
  for (const name of reached) {
    const target = rules.find((r) => r.name === name)?.target;
    if (target === 'triage') {
      const result = await triageEvent(env.deps, event, { receivedAt: new Date() });
      if (result.dropped)
        rows.push({
          finding: findingTypeOf(event),
          rule: '-',
          mode: '-',
          outcome: () => `dropped: ${result.dropped ?? ''}`,
        });
      for (const f of result.findings) {
        for (const a of f.actions) if (a.isolationId) ids.push(a.isolationId);
        rows.push({
          finding: f.type,
          rule: f.rule ?? '(none)',
          mode: f.mode ?? '-',
          outcome: (status) => {
            if (f.ignored) return `ignored: ${f.ignored}`;
            if (f.actions.length === 0)
              return f.mode === 'notify' ? 'notified' : (f.reasons[0] ?? 'no action');
            return f.actions
              .map((a) => {
                if (a.refused) return `${a.resourceId}: refused (${a.refused})`;
                const s = a.isolationId ? (status.get(a.isolationId) ?? a.status ?? '') : '';
                return `${a.resourceId}: ${s}${a.created ? '' : ' (existing)'}${a.downgraded ? ' (limit: needs approval)' : ''}`;
              })
              .join('; ');
          },
        });
      }
    } else if (target === 'approve') {
      const result = await handleCustomAction(env.deps, event, { receivedAt: new Date() });
      if (result.refused) {
        rows.push({
          finding: findingTypeOf(event),
          rule: '-',
          mode: 'custom action',
          outcome: () => `refused: ${result.refused ?? ''}`,
        });
      }
      for (const f of result.findings) {
        for (const i of f.isolations) ids.push(i.id);
        for (const c of f.created ?? []) if (c.isolationId) ids.push(c.isolationId);
        rows.push({
          finding: findingTypeOf(event),
          rule: '-',
          mode: `custom action: ${result.verb ?? ''}`,
          outcome: (status) =>
            [
              ...f.isolations.map((i) => `${i.id}: ${status.get(i.id) ?? i.status}`),
              ...(f.created ?? []).map((c) =>
                c.refused
                  ? `${c.resourceId}: refused (${c.refused})`
                  : `${c.resourceId}: ${c.isolationId ? (status.get(c.isolationId) ?? c.status ?? '') : ''}`,
              ),
              ...(f.note ? [f.note] : []),
            ].join('; ') || 'nothing to approve',
        });
      }
    }
  }
  await env.idle();
  const status = new Map<string, string>();
  for (const id of new Set(ids)) {
    const record = await env.deps.store.get(id);
    if (record) status.set(id, record.status);
  }
  return {
    reached,
    rows: rows.map((r) => ({ finding: r.finding, rule: r.rule, mode: r.mode, outcome: r.outcome(status) })),
    isolations: [...status].map(([id, s]) => ({ id, status: s })),
  };
}

/** The normalised finding type (GuardDuty's native name also for Security Hub copies), else the raw one. */
function findingTypeOf(event: unknown): string {
  try {
    const type = parseCordonEvent(event).findings[0]?.type;
    if (type) return type;
  } catch {
    // not a finding event cordon reads: fall back to what the event says
  }
  const e = event as { detail?: { type?: unknown; findings?: { Types?: unknown[] }[] } } | null;
  if (typeof e?.detail?.type === 'string') return e.detail.type;
  const t = e?.detail?.findings?.[0]?.Types?.[0];
  return typeof t === 'string' ? t : '(unknown)';
}
