/**
 * Shared bookkeeping of the benchmark: every figure it reports, with its target and verdict, plus small
 * statistics helpers. One figure is one row of the printed table and one entry of `bench/results.json`.
 */
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** One reported number. `target` is the published goal in words; `pass` is null when there is no target. */
export interface Figure {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  target: string | null;
  pass: boolean | null;
  /** How the number was obtained or what it covers, when the metric name is not enough. */
  note?: string;
}

/** A target as a predicate plus its wording in the table. */
export interface Target {
  text: string;
  test(value: number): boolean;
}

/** `value >= min`. */
export function atLeast(min: number, unit: string): Target {
  return { text: `>= ${min.toLocaleString('en-US')} ${unit}`, test: (v) => v >= min };
}

/** `value <= max`. */
export function atMost(max: number, unit: string): Target {
  return { text: `<= ${max.toLocaleString('en-US')} ${unit}`, test: (v) => v <= max };
}

/** `value < max`. */
export function below(max: number, unit: string): Target {
  return { text: `< ${max.toLocaleString('en-US')} ${unit}`, test: (v) => v < max };
}

/** `value === expected`. */
export function exactly(expected: number): Target {
  return { text: `= ${expected}`, test: (v) => v === expected };
}

/** Build a figure, evaluating its target. */
export function figure(
  benchmark: string,
  metric: string,
  value: number,
  unit: string,
  target?: Target,
  note?: string,
): Figure {
  return {
    benchmark,
    metric,
    value,
    unit,
    target: target ? target.text : null,
    pass: target ? target.test(value) : null,
    ...(note === undefined ? {} : { note }),
  };
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Percentile by linear interpolation between closest ranks (p in 0..100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/** Round to a number of significant-looking decimals for the report. */
export function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The machine the figures come from, as results.json records it. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** CPU model from /proc/cpuinfo (falling back to os.cpus()), core count, memory and Node version. */
export function describeMachine(): MachineDescription {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Progress line on stderr, so stdout keeps only the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
