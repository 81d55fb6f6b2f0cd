/**
 * Severity on one scale for both sources: a 0–10 score (GuardDuty's own scale) and a label.
 */
import type { SeverityLabel } from './model.js';
import { SEVERITY_LABELS } from './model.js';

/**
 * Label for a 0–10 score, on GuardDuty's bands (which Security Hub's Normalized bands mirror at ×10):
 * 0 INFORMATIONAL, 0.1–3.9 LOW, 4–6.9 MEDIUM, 7–8.9 HIGH, 9–10 CRITICAL.
 */
export function labelForScore(score: number): SeverityLabel {
  if (score <= 0) return 'INFORMATIONAL';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

/** Lowest score of each label's band: what a label-only severity is scored as. */
export const LABEL_MIN_SCORE: Readonly<Record<SeverityLabel, number>> = {
  INFORMATIONAL: 0,
  LOW: 0.1,
  MEDIUM: 4,
  HIGH: 7,
  CRITICAL: 9,
};

function clampScore(score: number): number {
  return Math.round(Math.min(10, Math.max(0, score)) * 10) / 10;
}

/**
 * GuardDuty's numeric severity → score and label. Kept unrounded: the generated EventBridge rule filters on the
 * raw `detail.severity >= min`, so a rounded score (6.95 → 7.0) would let the policy act on a finding the rule
 * never delivers.
 */
export function guardDutySeverity(score: number): { score: number; label: SeverityLabel } {
  const s = Math.min(10, Math.max(0, score));
  return { score: s, label: labelForScore(s) };
}

function isSeverityLabel(value: string | undefined): value is SeverityLabel {
  return value !== undefined && (SEVERITY_LABELS as readonly string[]).includes(value);
}

/**
 * ASFF severity → score and label.
 * - GuardDuty findings: `Product` is GuardDuty's native score; scoring it on GuardDuty's scale makes a finding
 *   get the same severity whichever path it took (older Security Hub copies label GuardDuty 2 as MEDIUM).
 * - Others: `Label` (or the Security Hub label in ProductFields) names the label; `Normalized`/10 is the score,
 *   else the label's lowest score. A label derived from `Normalized` follows Security Hub's own bands.
 */
export function asffSeverity(
  severity: { Label?: SeverityLabel; Normalized?: number; Product?: number },
  options: { guardDuty: boolean; productFieldsLabel?: string },
): { score: number; label: SeverityLabel } {
  if (options.guardDuty && severity.Product !== undefined && severity.Product <= 10) {
    return guardDutySeverity(severity.Product);
  }
  const fallbackLabel = isSeverityLabel(options.productFieldsLabel) ? options.productFieldsLabel : undefined;
  const label =
    severity.Label ??
    fallbackLabel ??
    (severity.Normalized !== undefined ? labelForScore(severity.Normalized / 10) : undefined);
  if (severity.Normalized !== undefined) {
    return {
      score: clampScore(severity.Normalized / 10),
      label: label ?? labelForScore(severity.Normalized / 10),
    };
  }
  if (label !== undefined) return { score: LABEL_MIN_SCORE[label], label };
  // Only Product is known and its scale is the product's own: cordon cannot interpret it beyond 0–10.
  const score = clampScore(severity.Product ?? 0);
  return { score, label: labelForScore(score) };
}
