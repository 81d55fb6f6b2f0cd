/**
 * Send one event through cordon as EventBridge would in AWS (the harness's `dispatch`: the deployed rules'
 * patterns decide which Lambda core receives it, the worker runs in-process), and summarise the outcome as rows of
 * (finding, rule, mode, outcome) for the progress lines and the summary table.
 */
import { parseCordonEvent } from '../../functions/lib/findings/index.js';
import type { Delivery } from '../../harness/pipeline.js';
import type { SandboxEnvironment } from './environment.js';

export interface OutcomeRow {
  finding: string;
  rule: string;
  mode: string;
  outcome: string;
  /** Whether cordon refused a resource (recorded SKIPPED with the reason): never shown as a plain match. */
  refused: boolean;
}

export interface DispatchResult {
  reached: string[];
  rows: OutcomeRow[];
  isolations: { id: string; status: string }[];
}

/** A row whose outcome is filled in once the isolations' final statuses are known. */
interface PendingRow {
  finding: string;
  rule: string;
  mode: string;
  outcome: (status: Map<string, string>) => string;
  refused?: boolean;
}

/** The rows and isolation ids of one delivery. */
function rowsOf(event: unknown, delivery: Delivery, ids: string[]): PendingRow[] {
  const rows: PendingRow[] = [];
  if (delivery.target === 'triage') {
    const result = delivery.result;
    if (result.dropped)
      rows.push({
        finding: findingTypeOf(event),
        rule: '-',
        mode: '-',
        outcome: () => `dropped: ${result.dropped ?? ''}`,
      });
    for (const f of result.findings) {
      for (const a of f.actions) if (a.isolationId) ids.push(a.isolationId);
      const refused = [...f.actions, ...(f.refusedAccounts ?? [])].filter((a) => a.refused);
      rows.push({
        finding: f.type,
        rule: f.rule ?? '(none)',
        mode: f.mode ?? '-',
        refused: refused.length > 0,
        outcome: (status) => {
          if (f.actions.length === 0 && refused.length > 0)
            return refused.map((a) => `${a.resourceId}: refused (${a.refused ?? ''})`).join('; ');
          if (f.ignored) return `ignored: ${f.ignored}`;
          if (f.actions.length === 0) return f.mode === 'notify' ? 'notified' : (f.reasons[0] ?? 'no action');
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
    return rows;
  }
  const result = delivery.result;
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
  return rows;
}

/** Dispatch one event and wait for the workers it started. */
export async function dispatchEvent(env: SandboxEnvironment, event: unknown): Promise<DispatchResult> {
  const { reached, deliveries } = await env.pipeline.dispatch(event);
  const ids: string[] = [];
  const rows: PendingRow[] = [];
  if (reached.length === 0) {
    rows.push({
      finding: findingTypeOf(event),
      rule: '-',
      mode: '-',
      outcome: () => 'not routed: no EventBridge rule matches',
    });
  }
  for (const delivery of deliveries) rows.push(...rowsOf(event, delivery, ids));
  const status = new Map<string, string>();
  for (const id of new Set(ids)) {
    const record = await env.deps.store.get(id);
    if (record) status.set(id, record.status);
  }
  return {
    reached,
    rows: rows.map((r) => ({
      finding: r.finding,
      rule: r.rule,
      mode: r.mode,
      outcome: r.outcome(status),
      refused: r.refused ?? false,
    })),
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
