/**
 * Structured logs and metrics for the pipeline. Logs are Powertools JSON lines carrying `findingKey` and
 * `isolationId` as persistent keys (the correlation ids); metrics are CloudWatch embedded metric format (EMF)
 * through Powertools Metrics, so no PutMetricData call sits on the containment path.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LoggerLike } from './kernel/logger.js';

/** Correlation keys every log line of one isolation carries. */
export interface CorrelationKeys {
  findingKey?: string;
  isolationId?: string;
}

/** A logger that can derive a child carrying correlation keys. */
export interface PipelineLogger extends LoggerLike {
  withKeys(keys: CorrelationKeys): PipelineLogger;
}

/** The metrics the pipeline emits. */
export interface PipelineMetrics {
  isolationStarted(action: string): void;
  isolationSucceeded(action: string): void;
  isolationFailed(action: string): void;
  /** A failed isolation left a resource more exposed than before (rollback failed): page someone. */
  isolationExposed(action: string): void;
  /** Milliseconds from the finding's own timestamp, or from event receipt, to contained. */
  timeToContain(action: string, milliseconds: number, from: 'finding' | 'receipt'): void;
  /** Flush buffered metrics (one EMF line). Called once at the end of an invocation. */
  flush(): void;
}

/** The CloudWatch namespace of cordon's metrics (the Terraform alarms read it). */
export const METRICS_NAMESPACE = 'cordon';
/** Metric names (the Terraform FAILED-isolations alarm reads `IsolationsFailed`). */
export const METRIC_NAMES = {
  started: 'IsolationsStarted',
  succeeded: 'IsolationsSucceeded',
  failed: 'IsolationsFailed',
  exposed: 'IsolationsExposed',
  timeToContainFromFinding: 'TimeToContainFromFinding',
  timeToContainFromReceipt: 'TimeToContainFromReceipt',
} as const;

function adapt(logger: Logger): PipelineLogger {
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, ...extra: unknown[]): void => {
      logger[level](message, ...asAttributes(extra));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    withKeys(keys) {
      const defined: Record<string, string> = {};
      for (const [key, value] of Object.entries(keys)) if (typeof value === 'string') defined[key] = value;
      const child = logger.createChild();
      child.appendPersistentKeys(defined);
      return adapt(child);
    },
  };
}

/** Powertools takes attribute objects as extra input; errors and other values are wrapped in one. */
function asAttributes(extra: unknown[]): Record<string, unknown>[] {
  return extra.map((item) => {
    if (item instanceof Error) return { error: { name: item.name, message: item.message } };
    if (item !== null && typeof item === 'object' && !Array.isArray(item))
      return item as Record<string, unknown>;
    return { detail: item };
  });
}

/** A Powertools JSON logger for one Lambda (service name `cordon-<function>`). */
export function createLogger(functionName: string): PipelineLogger {
  return adapt(new Logger({ serviceName: `cordon-${functionName}` }));
}

/** Logger that writes nothing (tests, and the CLI when it prints its own progress). */
export function silentLogger(): PipelineLogger {
  const noop = (): void => undefined;
  const logger: PipelineLogger = { debug: noop, info: noop, warn: noop, error: noop, withKeys: () => logger };
  return logger;
}

/** Powertools EMF metrics, dimension `action`. */
export function createMetrics(functionName: string): PipelineMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: `cordon-${functionName}` });
  const single = (action: string) => {
    const metric = metrics.singleMetric();
    metric.addDimension('action', action);
    return metric;
  };
  return {
    isolationStarted: (action) => single(action).addMetric(METRIC_NAMES.started, MetricUnit.Count, 1),
    isolationSucceeded: (action) => single(action).addMetric(METRIC_NAMES.succeeded, MetricUnit.Count, 1),
    isolationFailed: (action) => {
      single(action).addMetric(METRIC_NAMES.failed, MetricUnit.Count, 1);
      // An action-less copy feeds the single FAILED alarm regardless of which action failed.
      metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, 1);
    },
    isolationExposed: (action) => {
      single(action).addMetric(METRIC_NAMES.exposed, MetricUnit.Count, 1);
      metrics.addMetric(METRIC_NAMES.exposed, MetricUnit.Count, 1);
    },
    timeToContain: (action, milliseconds, from) =>
      single(action).addMetric(
        from === 'finding' ? METRIC_NAMES.timeToContainFromFinding : METRIC_NAMES.timeToContainFromReceipt,
        MetricUnit.Milliseconds,
        Math.max(0, Math.round(milliseconds)),
      ),
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

/**
 * Metrics that go nowhere: the default for every function but the worker, which alone runs isolations and so
 * alone has something to count (the other bundles then carry no EMF library).
 */
export function noMetrics(): PipelineMetrics {
  const noop = (): void => undefined;
  return {
    isolationStarted: noop,
    isolationSucceeded: noop,
    isolationFailed: noop,
    isolationExposed: noop,
    timeToContain: noop,
    flush: noop,
  };
}

/** One recorded metric data point (see {@link recordingMetrics}). */
export interface RecordedMetric {
  name: string;
  action?: string;
  value: number;
}

/** Metrics kept in memory: tests assert on them, replay prints them. */
export function recordingMetrics(): PipelineMetrics & { readonly recorded: RecordedMetric[] } {
  const recorded: RecordedMetric[] = [];
  return {
    recorded,
    isolationStarted: (action) => recorded.push({ name: METRIC_NAMES.started, action, value: 1 }),
    isolationSucceeded: (action) => recorded.push({ name: METRIC_NAMES.succeeded, action, value: 1 }),
    isolationFailed: (action) => recorded.push({ name: METRIC_NAMES.failed, action, value: 1 }),
    isolationExposed: (action) => recorded.push({ name: METRIC_NAMES.exposed, action, value: 1 }),
    timeToContain: (action, value, from) =>
      recorded.push({
        name:
          from === 'finding' ? METRIC_NAMES.timeToContainFromFinding : METRIC_NAMES.timeToContainFromReceipt,
        action,
        value,
      }),
    flush: () => undefined,
  };
}
