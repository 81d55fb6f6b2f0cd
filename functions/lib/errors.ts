/**
 * cordon's error hierarchy. Every error cordon raises is a {@link CordonError}; subclasses name the
 * failure so callers can branch on `instanceof` and operators can grep logs for `name`.
 * The original error is always kept in `cause`: we never swallow what AWS or a parser told us.
 */
export class CordonError extends Error {
  /** Stable machine-readable code, e.g. `POLICY_INVALID`. */
  readonly code: string;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'CORDON_ERROR';
  }
}

/** An incoming event does not have the shape cordon supports. Dropped without any AWS mutation. */
export class UnsupportedEventError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'UNSUPPORTED_EVENT', ...options });
  }
}

/** One problem found while validating a policy file, positioned at `file:line:col`. */
export interface PolicyIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A policy file (or set of files) failed validation. `issues` holds every problem, each with its position. */
export class PolicyValidationError extends CordonError {
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[], options: { cause?: unknown } = {}) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`).join('\n'), {
      code: 'POLICY_INVALID',
      ...options,
    });
    this.issues = issues;
  }
}

/** An EventBridge pattern is invalid; the message follows AWS's InvalidEventPatternException wording. */
export class InvalidEventPatternError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'INVALID_EVENT_PATTERN', ...options });
  }
}

/** Configuration (environment variables, CLI flags) is missing or malformed. */
export class ConfigurationError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'CONFIGURATION', ...options });
  }
}

/** cordon refuses to act on a resource: exempt-tagged, protected, root, or cordon's own. */
export class RefusedResourceError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'REFUSED_RESOURCE', ...options });
  }
}

/**
 * cordon refuses to act in an account: the security account, one outside the member-account allow-list, or
 * another account than the finding's. `reason` is the stable code (findings/account.ts).
 */
export class RefusedAccountError extends CordonError {
  readonly reason: string;

  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'REFUSED_ACCOUNT', ...options });
    this.reason = reason;
  }
}

/** A conditional write lost a race or a state transition is not allowed from the current status. */
export class ConflictError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'CONFLICT', ...options });
  }
}

/**
 * A worker run no longer holds the lease it claimed on an isolation record: another run took the record over
 * (its fencing token, `leaseId`, changed), the record left the run's status, or the run's lease ran out before a
 * mutating AWS call. The run must stop without touching AWS or the record again.
 */
export class LeaseLostError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'LEASE_LOST', ...options });
  }
}

/** A requested record does not exist. */
export class NotFoundError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'NOT_FOUND', ...options });
  }
}

/**
 * The API caller could not be authenticated (missing, malformed, expired or forged token). Maps to 401. Here
 * rather than in api/auth.ts so that mapping errors to responses (api/problem.ts) does not load the JWT verifier.
 */
export class UnauthenticatedError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'UNAUTHENTICATED', ...options });
  }
}

/** The caller is not allowed to do this (API authorisation, forged approvals, four-eyes rule). */
export class ForbiddenError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'FORBIDDEN', ...options });
  }
}

/** Input failed validation (API bodies, CLI arguments). */
export class ValidationError extends CordonError {
  readonly details: string[];

  constructor(message: string, details: string[] = [], options: { cause?: unknown } = {}) {
    super(message, { code: 'VALIDATION', ...options });
    this.details = details;
  }
}

/** Best-effort message for anything thrown, without stack traces. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The resource's live tags could not be read, so an exemption cannot be ruled out (the API answers 503). */
export class TagsUnavailableError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'TAGS_UNAVAILABLE', ...options });
  }
}

/**
 * The API could not look resources up in a member account: the lookup role is not configured, not deployed there,
 * does not trust the API, or lacks its one read permission. The message says which and how to fix it (503).
 */
export class LookupUnavailableError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'LOOKUP_UNAVAILABLE', ...options });
  }
}

/** One problem found in a stored item: where (a path into the item) and what. Zod's issues have this shape. */
export interface StoredItemIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * A DynamoDB item does not have the shape cordon stores (a wrong type, a missing or unknown status, an attribute
 * cordon never writes). Raised on read instead of handing on a wrong record; `key` names the item, `issues` says
 * what is wrong with it, and `cause` keeps the validator's error.
 */
export class CorruptRecordError extends CordonError {
  readonly key: Readonly<Record<string, unknown>>;
  readonly issues: readonly StoredItemIssue[];

  constructor(
    key: Readonly<Record<string, unknown>>,
    what: string,
    issues: readonly StoredItemIssue[],
    options: { cause?: unknown } = {},
  ) {
    const where = Object.values(key).map(String).join(' / ');
    const problems = issues
      .map((i) => `${i.path.map(String).join('.') || '(item)'}: ${i.message}`)
      .join('; ');
    super(`Stored item ${where} is not a valid ${what}: ${problems}`, { code: 'CORRUPT_RECORD', ...options });
    this.key = key;
    this.issues = issues;
  }
}
