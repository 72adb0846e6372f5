import type { ProblemCode } from "@liandong/contracts";
import { type Refusal, refusalCodes, refusalTexts, sayBoth } from "@liandong/domain";
import { BusError, type FieldIssue, ProblemError, ValidationError } from "./errors.ts";
import { KeyedLock } from "./keyed-lock.ts";

/** What a refusal is over HTTP: not this party's step, not in this state, or an implausible command. */
const STATUS = { forbidden: 403, conflict: 409, invalid: 422 } as const;
const TITLE = {
  forbidden: "无权执行此操作",
  conflict: "状态已变化，未予受理",
  invalid: "请求内容不合理",
} as const;

/**
 * One step of load → decide → append on one aggregate, as every route takes it.
 * `load`: the aggregate as this service holds it now (undefined: not found). `already`: the
 * result to answer when this very request was recorded before (a retry with its idempotency
 * key). `decide`: the domain's decision. `append`: puts the decided events on the bus, linked to
 * the state decided on; the stream refuses them (`wrong-last-sequence`) if anything was stored
 * since. `refused`: records a refused attempt (留痕). `notFound`: the problem to answer.
 */
export type Decision<V, E> = {
  aggregateId: string;
  load(): V | undefined;
  /** For a command that may create the aggregate: the state it is decided on when none is held. */
  initial?(): V;
  already?(view: V): V | undefined;
  decide(view: V): E[] | Refusal;
  append(view: V, events: E[]): Promise<V>;
  refused?(view: V, refusal: Refusal): Promise<void>;
  /** A number that grows with every step stored: while it stands still, nothing new has arrived. */
  version(view: V | undefined): number;
  notFound: ProblemError;
  /** The problem a refusal is answered with, where a feature names its own (default `refusalProblem`). */
  problem?(refusal: Refusal, view: V): Error;
};

/**
 * Decides and appends commands one aggregate at a time in this process (two officers of one
 * agency must not both decide on the state before either has recorded its step), and across
 * processes through the stream's optimistic concurrency: when another party's step was stored
 * first, it waits for that step to reach this service and decides again, on the new state.
 */
export class Decisions {
  readonly #lock = new KeyedLock();
  readonly #convergeMs: number;

  /** `convergeMs`: how long to wait for the other party's step to arrive before answering 409. */
  constructor(convergeMs = 2000) {
    this.#convergeMs = convergeMs;
  }

  run<V, E>(d: Decision<V, E>): Promise<V> {
    return this.#lock.run(d.aggregateId, () => this.#decide(d));
  }

  async #decide<V, E>(d: Decision<V, E>): Promise<V> {
    const deadline = Date.now() + this.#convergeMs;
    for (;;) {
      const view = d.load() ?? d.initial?.();
      if (view === undefined) throw d.notFound;
      const before = d.already?.(view);
      if (before !== undefined) return before;
      const decided = d.decide(view);
      if (!Array.isArray(decided)) {
        await d.refused?.(view, decided);
        throw d.problem?.(decided, view) ?? refusalProblem(decided, { current: view });
      }
      try {
        return await d.append(view, decided);
      } catch (err) {
        if (!(err instanceof BusError) || err.code !== "wrong-last-sequence") throw err;
        const seen = d.version(view);
        while (Date.now() < deadline && d.version(d.load()) <= seen)
          await new Promise((r) => setTimeout(r, 20));
        if (Date.now() >= deadline) {
          const current = d.load() ?? view;
          const lost: Refusal = { refused: "conflict", code: "step.raced" };
          await d.refused?.(current, lost);
          throw d.problem?.(lost, current) ?? refusalProblem(lost, { current });
        }
      }
    }
  }
}

/**
 * The HTTP problem for a refusal: 403, 409 with the state that won, or 422 naming the field. Its
 * words in the reader's language, its code (`refusal`) beside them.
 */
export function refusalProblem(r: Refusal, extra: Record<string, unknown> = {}): Error {
  if (r.refused === "invalid") return refusalInvalid("invalid-body", r);
  return new ProblemError(STATUS[r.refused], r.refused, TITLE[r.refused], refusalTexts(r), {
    refusal: r.code,
    ...extra,
  });
}

/** A refusal of an implausible command or message as the boundary's 422 (or dead letter) says it. */
export function refusalInvalid(code: ProblemCode, r: Refusal): ValidationError {
  return new ValidationError(code, refusalTexts(r), refusalIssues(r), { refusal: r.code });
}

/** Each field a refusal names, with its words in each language (the refusal's own for its one field). */
export function refusalIssues(r: Refusal): FieldIssue[] {
  if (r.issues) return r.issues.map((i) => ({ field: i.field, message: sayBoth(i) }));
  return [{ field: r.field ?? "body", message: refusalTexts(r) }];
}

/**
 * A step read off the bus that its publisher could not have taken: dead-lettered, with its codes
 * (the refusal's and what it rests on, outermost first, space-separated: `deadLetterRefusal`).
 */
export function notEntitledError(r: Refusal): ValidationError {
  return deadLetterError("not-entitled", r);
}

/** A message a consumer can never take, for the reason `code`, as the domain's refusal `r` says. */
export function deadLetterError(code: ProblemCode, r: Refusal): ValidationError {
  return new ValidationError(code, refusalTexts(r), [], { refusal: deadLetterRefusal(r) });
}

/** A refusal's codes as a dead letter keeps them (`Liandong-Dlq-Refusal`), outermost first. */
export const deadLetterRefusal = (r: Refusal): string => refusalCodes(r).join(" ");
