/**
 * The one builder of DynamoDB update expressions for the store: SET and REMOVE clauses over placeholder names and
 * values (never attribute names in the expression text, so reserved words and odd names cannot break it), and
 * the conditions that guard record writes, with the lease fencing (`leaseId`) composed in {@link fence} only.
 */
import { CordonError } from '../errors.js';
import type { IsolationStatus } from './model.js';

/** An attribute, or a path into nested maps (`['reports', 'sns']`). */
export type AttributePath = string | readonly string[];

/** The parameters of an Update (in a transaction or alone), minus TableName and Key. */
export interface UpdateExpressionInput {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * What a record write requires of the stored record. Either it exists, or it is in one of `status` (or, with
 * `takeover`, in that status with its worker lease lapsed); with `lease`, it must also still carry that fencing
 * token.
 */
export type RecordCondition =
  | { exists: true }
  | {
      status?: IsolationStatus | readonly IsolationStatus[];
      /** Also allow a record in this status whose `leaseExpiresAt` is absent or before `now`. */
      takeover?: { status: IsolationStatus; now: string };
      /** The fencing token of the worker run making the write. */
      lease?: string;
    };

const SIMPLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Collects the clauses of one update expression and the placeholders they use. */
export class UpdateBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private valueCount = 0;

  /** The placeholder of an attribute name (`#status`), registered once however often it is used. */
  name(attribute: string): string {
    const existing = this.names.get(attribute);
    if (existing !== undefined) return existing;
    const placeholder = SIMPLE_NAME.test(attribute) ? `#${attribute}` : `#_${this.names.size}`;
    this.names.set(attribute, placeholder);
    return placeholder;
  }

  /** The placeholder of a value (`:v0`, `:v1`...). */
  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** The placeholders of a path, dot-joined (`#reports.#sns`). */
  path(path: AttributePath): string {
    const parts = typeof path === 'string' ? [path] : path;
    if (parts.length === 0) throw new CordonError('internal: empty attribute path in an update');
    return parts.map((part) => this.name(part)).join('.');
  }

  /** `path = value`; an undefined value is skipped (as the DocumentClient drops undefined attributes). */
  set(path: AttributePath, value: unknown): this {
    if (value !== undefined) this.sets.push(`${this.path(path)} = ${this.value(value)}`);
    return this;
  }

  /** Every defined entry of `fields` as a top-level attribute. */
  setAll(fields: object): this {
    for (const [attribute, value] of Object.entries(fields) as [string, unknown][])
      this.set(attribute, value);
    return this;
  }

  /** `path = value` unless the attribute already has a value (keeps the first). */
  setIfAbsent(path: AttributePath, value: unknown): this {
    const target = this.path(path);
    this.sets.push(`${target} = if_not_exists(${target}, ${this.value(value)})`);
    return this;
  }

  /** Append `items` to the list at `path`. */
  append(path: AttributePath, items: readonly unknown[]): this {
    const target = this.path(path);
    this.sets.push(`${target} = list_append(${target}, ${this.value(items)})`);
    return this;
  }

  /** Add `by` to the number at `path`; with `from`, an absent attribute counts as `from`. */
  increment(path: AttributePath, by = 1, from?: number): this {
    const target = this.path(path);
    const current = from === undefined ? target : `if_not_exists(${target}, ${this.value(from)})`;
    this.sets.push(`${target} = ${current} + ${this.value(by)}`);
    return this;
  }

  remove(path: AttributePath): this {
    this.removes.push(this.path(path));
    return this;
  }

  /**
   * The expression, with `condition` (built with this builder's {@link name} and {@link value}, e.g. by
   * {@link fence}).
   * @throws CordonError (internal) for an update that changes nothing.
   */
  build(condition?: string): UpdateExpressionInput {
    const clauses: string[] = [];
    if (this.sets.length > 0) clauses.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) clauses.push(`REMOVE ${this.removes.join(', ')}`);
    if (clauses.length === 0) throw new CordonError('internal: an update with nothing to set or remove');
    return {
      UpdateExpression: clauses.join(' '),
      ...(condition === undefined ? {} : { ConditionExpression: condition }),
      ExpressionAttributeNames: Object.fromEntries(
        [...this.names].map(([name, placeholder]) => [placeholder, name]),
      ),
      ...(this.valueCount > 0 ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }
}

/**
 * A record update: the given changes plus what every record write does (a new `version`, and `updatedAt` when
 * `at` is given).
 */
export function recordUpdate(at?: string): UpdateBuilder {
  const update = new UpdateBuilder();
  if (at !== undefined) update.set('updatedAt', at);
  return update.increment('version');
}

/**
 * The condition of a record write, with its placeholders registered in `update`: the record's status (or a lapsed
 * lease to take over), and the run's fencing token. The only place that composes the lease fence.
 * @throws CordonError (internal) for a condition that names neither a status nor existence.
 */
export function fence(update: UpdateBuilder, condition: RecordCondition): string {
  if ('exists' in condition) return `attribute_exists(${update.name('pk')})`;
  const status = update.name('status');
  const clauses: string[] = [];
  const statuses = typeof condition.status === 'string' ? [condition.status] : (condition.status ?? []);
  if (statuses.length > 0) {
    clauses.push(`${status} IN (${statuses.map((s) => update.value(s)).join(', ')})`);
  }
  if (condition.takeover !== undefined) {
    const lease = update.name('leaseExpiresAt');
    const takeover =
      `${status} = ${update.value(condition.takeover.status)} AND ` +
      `(attribute_not_exists(${lease}) OR ${lease} < ${update.value(condition.takeover.now)})`;
    // DynamoDB refuses redundant parentheses: wrap the conjunction only when it joins another clause.
    clauses.push(clauses.length > 0 ? `(${takeover})` : takeover);
  }
  if (clauses.length === 0)
    throw new CordonError('internal: a record write needs a status or a lease takeover');
  const guard = clauses.join(' OR ');
  if (condition.lease === undefined) return guard;
  return `(${guard}) AND ${update.name('leaseId')} = ${update.value(condition.lease)}`;
}
