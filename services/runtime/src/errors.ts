import { PROBLEMS, type ProblemCode } from "@liandong/contracts";

/**
 * The few failures the runtime knows. Each has a stable `code` of the contracts' problem
 * catalogue (`PROBLEMS`); boundaries translate them: the HTTP layer into problem+json (status
 * and title from the catalogue), consumers into a dead-letter reason or a retry.
 */
export type FieldIssue = { field: string; message: string };

/** A request or message that can never succeed as it is. */
export class ValidationError extends Error {
  override name = "ValidationError";
  readonly code: ProblemCode;
  readonly issues: FieldIssue[];
  constructor(
    code: ProblemCode,
    message: string,
    issues: FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.issues = issues;
  }
}

type ProblemOptions = {
  /** What is particular to this occurrence, for the reader. */
  detail?: string | undefined;
  /** Members added to the problem body (`current`, `errors`…). */
  extra?: Record<string, unknown>;
  cause?: unknown;
};

/**
 * Something an HTTP caller did that has a status of its own (401, 403, 404, 409, 413, 415…).
 * `new ProblemError(code, { detail })` takes the status and title from the catalogue.
 */
export class ProblemError extends Error {
  override name = "ProblemError";
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;
  /**
   * The words a caller of the older form gave as a title (e.g. 未找到该线索): more particular
   * than the catalogue's title, so they are rendered as part of the detail.
   */
  readonly note: string | undefined;
  constructor(code: ProblemCode, options?: ProblemOptions);
  /** The older form: a status and a title of the caller's own (the catalogue gives the title now). */
  constructor(
    status: number,
    code: ProblemCode,
    title: string,
    detail?: string,
    extra?: Record<string, unknown>,
    options?: ErrorOptions,
  );
  constructor(
    first: number | ProblemCode,
    second?: ProblemCode | ProblemOptions,
    title?: string,
    detail?: string,
    extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    if (typeof first === "number") {
      const code = second as ProblemCode;
      super(title ?? PROBLEMS[code].en, options);
      this.status = first;
      this.code = code;
      this.detail = detail;
      this.extra = extra;
      this.note = title === PROBLEMS[code].zh ? undefined : title;
    } else {
      const o = (second ?? {}) as ProblemOptions;
      super(PROBLEMS[first].en, o.cause === undefined ? undefined : { cause: o.cause });
      this.status = PROBLEMS[first].status;
      this.code = first;
      this.detail = o.detail;
      this.extra = o.extra ?? {};
      this.note = undefined;
    }
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

/**
 * The sequence the stream named when it refused a publish for `wrong-last-sequence` (its last
 * under the expected subject: "wrong last sequence: 42"), or undefined.
 */
export function lastSequenceOf(err: unknown): number | undefined {
  if (!(err instanceof BusError) || err.code !== "wrong-last-sequence") return undefined;
  const m = /wrong last sequence: (\d+)/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}
