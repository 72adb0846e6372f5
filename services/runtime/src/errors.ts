import { type Label, type Lang, PROBLEMS, type ProblemCode } from "@liandong/contracts";

/**
 * The few failures the runtime knows. Each has a stable `code` of the contracts' problem
 * catalogue (`PROBLEMS`); boundaries translate them: the HTTP layer into problem+json (status
 * and title from the catalogue), consumers into a dead-letter reason or a retry.
 */
export type FieldIssue = { field: string; message: Words };

/** What a person reads: one text, or the same in each language (shown in the reader's). */
export type Words = string | Label;

/** Words in `lang`: a text given in one language only is that text. */
export const wordsIn = (words: Words, lang: Lang): string =>
  typeof words === "string" ? words : words[lang];

/**
 * A request or message that can never succeed as it is. `message` is its Chinese words (logs, a
 * dead letter's detail), `words` the same in each language; `refusal`: the domain's code for it
 * (`REFUSALS`), when it is one of the domain's refusals.
 */
export class ValidationError extends Error {
  override name = "ValidationError";
  readonly code: ProblemCode;
  readonly issues: FieldIssue[];
  readonly words: Words;
  readonly refusal: string | undefined;
  constructor(
    code: ProblemCode,
    message: Words,
    issues: FieldIssue[] = [],
    options?: ErrorOptions & { refusal?: string },
  ) {
    super(wordsIn(message, "zh"), options);
    this.code = code;
    this.issues = issues;
    this.words = message;
    this.refusal = options?.refusal;
  }
}

type ProblemOptions = {
  /** What is particular to this occurrence, for the reader. */
  detail?: Words | undefined;
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
  readonly detail: Words | undefined;
  readonly extra: Record<string, unknown>;
  /**
   * The words a caller of the older form gave as a title (e.g. 未找到该线索): more particular
   * than the catalogue's title, so they are rendered as part of the detail.
   */
  readonly note: string | undefined;
  constructor(code: ProblemCode, options?: ProblemOptions);
  /**
   * The older form: a status and a title of the caller's own (the catalogue gives the title now),
   * its Chinese words; `detail` given as one text is its English words, shown to English readers
   * only (a Chinese reader reads the title): give both (`{ zh, en }`) for particulars in both.
   */
  constructor(
    status: number,
    code: ProblemCode,
    title: string,
    detail?: Words,
    extra?: Record<string, unknown>,
    options?: ErrorOptions,
  );
  constructor(
    first: number | ProblemCode,
    second?: ProblemCode | ProblemOptions,
    title?: string,
    detail?: Words,
    extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    if (typeof first === "number") {
      const code = second as ProblemCode;
      super(title ?? PROBLEMS[code].en, options);
      this.status = first;
      this.code = code;
      this.detail = typeof detail === "string" ? { zh: "", en: detail } : detail;
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
