/**
 * Test support: bus events of one aggregate chained as the agencies' logs chain them (each links
 * to the previous one's hash). The hashes stand in for SHA-256 (unique per event, no digest):
 * readers compare them, never recompute them.
 */
import type { BusEvent } from "@liandong/contracts";
import { isRefusal, type NotRecorded, type Refusal } from "./decider.ts";
import type { StepMeta } from "./referral/record.ts";

let counter = 0;

/** A fresh UUID-shaped id, deterministic within a run. */
export function testId(): string {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

export type Stored = { event: BusEvent; meta: StepMeta };

export type StepInput = {
  type: string;
  agency: string;
  data: unknown;
  county?: string;
  to?: string;
  toCounty?: string;
  time?: string;
  /** The step it links to: by default the last one made on this chain. */
  after?: Stored | null;
};

/** Makes the events of one aggregate, each linked to the one it was decided on. */
export function chain(kind: string, id: string, county = "441723") {
  let last: Stored | null = null;
  let seq = 0;
  return {
    step(s: StepInput): Stored {
      const eventId = testId();
      const prev = s.after === undefined ? last : s.after;
      const c = s.county ?? county;
      const event = {
        specversion: "1.0",
        id: eventId,
        source: `liandong:${c}:${s.agency}`,
        type: s.type,
        time: s.time ?? "2026-11-02T00:00:00.000Z",
        subject: id,
        county: c,
        agency: s.agency,
        actor: `${s.agency}.liaison`,
        aggregate: { kind, id },
        ...(s.to ? { to: s.to } : {}),
        ...(s.toCounty ? { toCounty: s.toCounty } : {}),
        correlationId: eventId,
        prev: prev?.meta.hash ?? null,
        data: s.data,
      } as unknown as BusEvent;
      const stored = {
        event,
        meta: { seq: ++seq, hash: eventId.replaceAll("-", "").padEnd(64, "0") },
      };
      last = stored;
      return stored;
    },
  };
}

/** Frozen all the way down: a decide or evolve that mutated its input would throw. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The state after a command the test expects taken: each event it decided, folded in turn. */
export function taken<S, E>(decided: E[] | Refusal, state: S, evolve: (s: S, e: E) => S): S {
  if (isRefusal(decided)) throw new Error(`refused: ${decided.message}`);
  return decided.reduce(evolve, state);
}

/** The refusal of a command the test expects refused. */
export function refusalOf<E>(decided: E[] | Refusal, expected = "a refusal"): Refusal {
  if (!isRefusal(decided)) throw new Error(`expected ${expected}`);
  return decided;
}

/**
 * Plays attempts in order, each decided on the state so far (frozen: a decide that mutated it
 * would throw): the state after them, the events decided and how each was published, and each
 * refused attempt's state before and after it.
 */
export function play<S, A, E, P>(
  initial: S,
  attempts: Iterable<A>,
  rules: {
    decide(attempt: A, state: S): E[] | Refusal;
    evolve(state: S, e: E): S;
    publish(e: E): P;
  },
) {
  let state = initial;
  const events: E[] = [];
  const published: P[] = [];
  const refused: { before: S; after: S }[] = [];
  for (const attempt of attempts) {
    const before = structuredClone(state);
    const decided = rules.decide(attempt, deepFreeze(state));
    if (isRefusal(decided)) {
      refused.push({ before, after: state });
      continue;
    }
    for (const e of decided) {
      events.push(e);
      published.push(rules.publish(e));
      state = rules.evolve(state, e);
    }
  }
  return { state, events, published, refused };
}

/** A reader's record after each item is recorded as it arrives: a step not taken fails the test. */
export function readAll<R, I>(
  initial: R,
  items: Iterable<I>,
  record: (r: R, item: I) => { ok: true; record: R } | NotRecorded,
): R {
  let r = initial;
  for (const item of items) {
    const out = record(r, item);
    if (!out.ok) throw new Error("refused" in out ? out.refused.message : out.waiting);
    r = out.record;
  }
  return r;
}
