/** The policy playground: paste a finding event, see what the policy would decide and why. */
import { EvaluationSummary } from '../../functions/lib/api/contract.js';
import { api } from './api.js';
import { h, replace, type Child } from './dom.js';
import { config, main } from './state.js';
import { errorBox, field, setFieldError } from './widgets.js';

type EvaluatedFinding = EvaluationSummary['findings'][number];

/**
 * The headline of one finding's decision. A refusal is never shown as a plain match: triage records each refused
 * resource as a SKIPPED isolation, so the playground says "refused" for it, with the reason.
 */
function verdict(finding: EvaluatedFinding): HTMLElement {
  const decision = finding.decision;
  if (finding.ignored !== undefined)
    return h('p', { class: 'alert alert-warn', id: 'decision-verdict' }, `Ignored: ${finding.ignored}.`);
  if (!decision.rule) return h('p', { id: 'decision-verdict' }, 'No rule matches.');
  const refusals = [
    ...decision.refused.map((r) => ({
      what: `${r.action} on ${r.resource.type} ${r.resource.id}`,
      why: r.reason,
    })),
    ...finding.actions
      .filter((a) => !a.guard.allowed)
      .map((a) => ({
        what: `${a.action} on ${a.resource.type} ${a.resource.id}`,
        why: a.guard.reason ?? 'refused by a guard',
      })),
  ];
  const matched = `Rule “${decision.rule}” matches: mode ${decision.mode ?? ''}.`;
  if (refusals.length === 0 || decision.mode === 'notify')
    return h('p', { class: 'alert alert-ok', id: 'decision-verdict' }, matched);
  const runnable = finding.actions.filter((a) => a.guard.allowed).length;
  return h(
    'div',
    { class: 'alert alert-warn decision-refused', id: 'decision-verdict', role: 'status' },
    h(
      'p',
      {},
      `${matched} Refused: cordon will not contain ${String(refusals.length)} resource(s)` +
        `${runnable > 0 ? ` (${String(runnable)} other would run)` : ''}; each is recorded as SKIPPED with the reason, ` +
        'written on the finding and notified.',
    ),
    h('ul', { class: 'refusals' }, ...refusals.map((r) => h('li', {}, `Refused ${r.what}: ${r.why}`))),
  );
}

function renderDecision(result: unknown): HTMLElement {
  const parts: Child[] = [];
  // The answer is read through the contract's schema; anything it does not describe is in "Full response".
  const summary = EvaluationSummary.safeParse(result);
  const findings = summary.success ? summary.data.findings : [];
  if (!summary.success)
    parts.push(h('p', { class: 'alert alert-warn' }, 'The answer has an unexpected shape.'));
  for (const finding of findings) {
    const decision = finding.decision;
    parts.push(
      h(
        'div',
        { class: 'decision-result' },
        verdict(finding),
        decision.actions.length > 0
          ? h(
              'ul',
              {},
              ...decision.actions.map((a) =>
                h('li', {}, `${a.action} on ${a.resource.type} ${a.resource.id}`),
              ),
            )
          : null,
        decision.reasons.length > 0
          ? h('ul', { class: 'reasons' }, ...decision.reasons.map((r) => h('li', {}, r)))
          : null,
        h(
          'table',
          { class: 'list' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Rule'),
              h('th', { scope: 'col' }, 'Matched'),
              h('th', { scope: 'col' }, 'Why'),
            ),
          ),
          h(
            'tbody',
            {},
            ...decision.explanation.map((e) =>
              h('tr', {}, h('td', {}, e.rule), h('td', {}, e.matched ? 'yes' : 'no'), h('td', {}, e.reason)),
            ),
          ),
        ),
      ),
    );
  }
  return h(
    'div',
    { id: 'policy-result' },
    ...parts,
    h(
      'details',
      {},
      h('summary', {}, 'Full response'),
      h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(result, null, 2)),
    ),
  );
}

interface SandboxExample {
  file: string;
  rewrites: string[];
  event: unknown;
}

/**
 * In the sandbox: a picker of the sample events exactly as the start-up replay sent them (rewritten to the demo
 * organisation, sample markers cleared), saying what was rewritten. The files in test/events as they are carry
 * GuardDuty's sample markers, which most rules do not count, so pasting them gives another answer.
 */
async function examplePicker(text: HTMLTextAreaElement): Promise<HTMLElement | null> {
  if (!config().sandbox) return null;
  let examples: SandboxExample[];
  try {
    examples = (await api<{ examples: SandboxExample[] }>('GET', '/sandbox/examples')).examples;
  } catch (error) {
    return errorBox(error);
  }
  const note = h('p', { class: 'hint', id: 'policy-example-rewrites' });
  const select = h(
    'select',
    { id: 'policy-example' },
    h('option', { value: '' }, 'Choose a sample event…'),
    ...examples.map((e, i) => h('option', { value: String(i) }, e.file)),
  );
  select.addEventListener('change', () => {
    const example = examples[Number(select.value)];
    if (select.value === '' || example === undefined) {
      replace(note);
      return;
    }
    text.value = JSON.stringify(example.event, null, 2);
    replace(note, `As the sandbox replays it. Rewritten: ${example.rewrites.join('; ')}.`);
  });
  return h('div', {}, field('Sandbox example (test/events, as the sandbox replays it)', select), note);
}

export async function showPolicy(): Promise<void> {
  const text = h('textarea', { id: 'policy-event', rows: 16, spellcheck: 'false', class: 'mono' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        let event: unknown;
        try {
          event = JSON.parse(text.value);
          setFieldError('policy-event', undefined);
        } catch {
          setFieldError('policy-event', 'This is not valid JSON.');
          return;
        }
        try {
          replace(out, renderDecision(await api('POST', '/policy/evaluate', event)));
        } catch (error) {
          replace(out, errorBox(error));
        }
      },
    },
    field('Finding event (EventBridge JSON: GuardDuty Finding or Security Hub Findings)', text),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Evaluate')),
  );
  replace(
    main(),
    h('h2', {}, 'Policy playground'),
    h(
      'p',
      {},
      'Paste a finding event: cordon shows what its policy would decide, and why. Nothing is changed.',
    ),
    await examplePicker(text),
    form,
    out,
  );
}
