/**
 * The few failures the runtime knows. Each has a stable `code`; boundaries translate them:
 * the HTTP layer into problem+json, consumers into a dead-letter reason or a retry.
 */
export type FieldIssue = { field: string; message: string };

/** A request or message that can never succeed as it is. */
export class ValidationError extends Error {
  override name = "ValidationError";
  readonly code: string;
  readonly issues: FieldIssue[];
  constructor(code: string, message: string, issues: FieldIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.issues = issues;
  }
}

/** Something an HTTP caller did that has a status of its own (401, 403, 404, 409, 413, 415…). */
export class ProblemError extends Error {
  override name = "ProblemError";
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;
  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(title, options);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}

/** The bus refused or did not answer a publish. `retryable` when the same message id may be sent again. */
export class BusError extends Error {
  override name = "BusError";
  readonly code: "timeout" | "no-stream" | "wrong-last-sequence" | "refused";
  readonly retryable: boolean;
  constructor(code: BusError["code"], message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.retryable = retryable;
  }
}
