/**
 * The detail view's evidence section: where the manifest is and its SHA-256 (from the record), and, on request,
 * every artifact with its hash as the API checked it (`GET /isolations/{id}/evidence`): the manifest against the
 * record's anchor, S3's SHA-256 of each listed version against the manifest. The API reads no artifact content;
 * the section says so and gives the `cordon evidence verify` command that recomputes the hashes from it.
 */
import { EvidenceCheckView, type ArtifactCheckView } from '../../functions/lib/api/contract.js';
import { apiParsed } from './api.js';
import { awsConsoleUrl, copyButton, idWithLinks, section } from './context.js';
import { h, replace, stamp } from './dom.js';
import type { Isolation } from './state.js';
import { dl, errorBox } from './widgets.js';

/** The last check per isolation, so that a re-render (the view polls while a record moves) keeps it. */
const lastChecks = new Map<string, EvidenceCheckView>();

const STATUS_TEXT: Record<ArtifactCheckView['status'], string> = {
  match: 'matches',
  mismatch: 'MISMATCH',
  missing: 'MISSING',
  'not-collected': 'not collected',
};

function artifactRow(a: ArtifactCheckView): HTMLElement {
  const failed = a.status === 'not-collected';
  return h(
    'tr',
    { class: a.status === 'match' || failed ? '' : 'row-problem' },
    h('td', {}, h('code', {}, a.name)),
    h('td', {}, STATUS_TEXT[a.status]),
    h(
      'td',
      { class: 'hash' },
      failed
        ? `${a.error.code}: ${a.error.message}`
        : h('span', {}, h('code', {}, a.sha256), ' ', copyButton(a.sha256, `SHA-256 of ${a.name}`)),
    ),
    h('td', {}, failed ? '' : String(a.bytes)),
    h('td', {}, stamp(a.collectedAt)),
  );
}

function checkResult(check: EvidenceCheckView): HTMLElement {
  return h(
    'div',
    { id: 'evidence-check' },
    h(
      'p',
      { class: check.verified ? 'alert alert-ok' : 'alert alert-error', id: 'evidence-verdict' },
      check.verified
        ? `Verified at ${check.checkedAt}: the manifest is the one the record anchors, and S3 holds every listed artifact version with the manifest's SHA-256.`
        : `NOT verified at ${check.checkedAt}: ${String(check.problems.length)} problem(s).`,
    ),
    check.problems.length > 0
      ? h('ul', { id: 'evidence-problems' }, ...check.problems.map((p) => h('li', {}, p)))
      : null,
    dl([
      ['Collected by', check.collectedBy],
      ['Collection started', stamp(check.startedAt)],
      ['Collection finished', stamp(check.finishedAt)],
    ]),
    check.artifacts.length === 0
      ? null
      : h(
          'table',
          { class: 'list', id: 'evidence-artifacts' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Artifact', 'Check', 'SHA-256', 'Bytes', 'Collected at'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h('tbody', {}, ...check.artifacts.map(artifactRow)),
        ),
  );
}

/** The evidence section, or null when the record has no evidence. */
export function evidenceContext(r: Isolation): HTMLElement | null {
  const e = r.evidence;
  if (!e) return null;
  if (e.status === 'failed')
    return section(
      'context-evidence',
      'Evidence',
      h(
        'p',
        { class: 'alert alert-error' },
        `Collection failed at ${e.at}: ${e.error.code}: ${e.error.message}`,
      ),
    );
  const location = `${e.bucket}/${e.manifestKey}`;
  const result = h('div', { 'aria-live': 'polite' });
  const previous = lastChecks.get(r.id);
  if (previous) replace(result, checkResult(previous));
  const button = h('button', { type: 'button', id: 'evidence-check-button' }, 'Check artifacts');
  button.addEventListener('click', () => {
    button.setAttribute('disabled', '');
    replace(result, h('p', { class: 'hint' }, 'Checking…'));
    apiParsed(EvidenceCheckView, 'GET', `/isolations/${encodeURIComponent(r.id)}/evidence`)
      .then((check) => {
        lastChecks.set(r.id, check);
        replace(result, checkResult(check));
      })
      .catch((error: unknown) => replace(result, errorBox(error)))
      .finally(() => button.removeAttribute('disabled'));
  });
  return section(
    'context-evidence',
    'Evidence',
    dl([
      [
        'Manifest',
        idWithLinks(`s3://${location}`, 'manifest location', awsConsoleUrl('s3-object', location, r.region)),
      ],
      [
        'Manifest SHA-256',
        h(
          'span',
          {},
          h('code', { id: 'evidence-sha256' }, e.manifestSha256),
          ' ',
          copyButton(e.manifestSha256, 'manifest SHA-256'),
        ),
      ],
      ['Artifacts', `${e.collected} collected, ${e.failed} failed`],
      ['Collected at', stamp(e.at)],
    ]),
    h(
      'p',
      {},
      button,
      ' ',
      h(
        'span',
        { class: 'hint' },
        "Lists every artifact with its hash, and checks S3's SHA-256 of each stored version against the manifest and the manifest against this record. It reads no artifact content; to recompute the hashes from the content, with the forensics role: ",
      ),
      h(
        'code',
        { id: 'evidence-verify' },
        `cordon evidence verify ${r.id} --bucket ${e.bucket} --manifest-sha256 ${e.manifestSha256}`,
      ),
    ),
    result,
  );
}
