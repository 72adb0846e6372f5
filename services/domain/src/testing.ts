/**
 * Test support: bus events of one aggregate chained as the agencies' logs chain them (each links
 * to the previous one's hash). The hashes stand in for SHA-256 (unique per event, no digest):
 * readers compare them, never recompute them.
 */
import type { BusEvent, InspectionFindings } from "@liandong/contracts";
import fc from "fast-check";
import {
  type Decider,
  isRefusal,
  type NotRecorded,
  type Refusal,
  refusalMessage,
} from "./decider.ts";
import type { StepMeta } from "./step.ts";

/** The default county's agencies (not its office), as the contracts' DEFAULT_AGENCIES list them. */
export const AGENCY_CODES = [
  "health",
  "family-planning",
  "public-security",
  "drug-regulation",
  "commerce",
] as const;

/** A participant's findings on a joint inspection (联合检查), naming `leads`: one sample for all tests. */
export function sampleFindings(leads: string[] = []): InspectionFindings {
  return {
    institutionsChecked: 3,
    devicesSealed: 2,
    drugsConfiscated: 0,
    advertsRemoved: 1,
    problems: ["未登记B超机两台"],
    leads,
  };
}

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
      const time = s.time ?? "2026-11-02T00:00:00.000Z";
      const event = envelope(
        { id: eventId, type: s.type, time, agency: s.agency, data: s.data },
        {
          county: s.county ?? county,
          kind,
          id,
          to: s.to,
          toCounty: s.toCounty,
          prev: prev?.meta.hash,
        },
      );
      const stored = {
        event,
        meta: { seq: ++seq, hash: eventId.replaceAll("-", "").padEnd(64, "0") },
      };
      last = stored;
      return stored;
    },
  };
}

/**
 * An event as its publisher's log would put it on the bus: in its envelope, on aggregate `on`
 * of a county, addressed to `to` (across the line, in `toCounty`), linked to `prev` (nothing).
 */
export function envelope(
  e: { id: string; type: string; time: string; agency: string; data: unknown },
  on: {
    county: string;
    kind: string;
    id: string;
    to?: string | undefined;
    toCounty?: string | undefined;
    prev?: string | null | undefined;
  },
): BusEvent {
  return {
    specversion: "1.0",
    id: e.id,
    source: `liandong:${on.county}:${e.agency}`,
    type: e.type,
    time: e.time,
    subject: on.id,
    county: on.county,
    agency: e.agency,
    actor: `${e.agency}.liaison`,
    aggregate: { kind: on.kind, id: on.id },
    ...(on.to ? { to: on.to } : {}),
    ...(on.toCounty ? { toCounty: on.toCounty } : {}),
    correlationId: e.id,
    prev: on.prev ?? null,
    data: e.data,
  } as unknown as BusEvent;
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
  if (isRefusal(decided)) throw new Error(`refused: ${refusalMessage(decided)}`);
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
    if (!out.ok) throw new Error("refused" in out ? refusalMessage(out.refused) : out.waiting);
    r = out.record;
  }
  return r;
}

/**
 * Checks, over generated histories, the record folds' property that a step on the bus is taken
 * exactly when its publisher could have decided it: after the history, a command is decided by
 * one party and published under another's name (a forgery when the two differ).
 */
export function forEachForgery<A, C, P>(
  attempt: fc.Arbitrary<A>,
  command: fc.Arbitrary<C>,
  parties: readonly P[],
  check: (attempts: A[], command: C, decider: P, publisher: P) => void,
): void {
  const party = fc.constantFrom(...parties);
  fc.assert(fc.property(fc.array(attempt, { maxLength: 6 }), command, party, party, check), {
    numRuns: 500,
  });
}

/**
 * What a test drives a decider with: `run`, the state after a command it expects taken (each
 * event decided folded in turn); `refusal`, why it refuses one it expects refused.
 */
export function deciderTests<S, C, E>(decider: Decider<S, C, E>) {
  return {
    run: (state: S, command: C) => taken(decider.decide(command, state), state, decider.evolve),
    refusal: (state: S, command: C) => refusalOf(decider.decide(command, state)),
  };
}

/**
 * What a test drives an aggregate several parties step on with (an `actorDecider`): `run`, the
 * state after a command it expects taken; `refusal`, why one is refused (both by `byDefault`
 * unless another actor is named); `played`, attempts by agencies (`party` makes each one's
 * actor) played in order with the decided events published; and `leavesAlone`, the property
 * every such aggregate holds over generated histories.
 */
export function actorTests<S, C, A, E extends { type: string }, P>(
  decider: Decider<S, { command: C; actor: A }, E>,
  rules: { byDefault: A; party(agency: string): A; publish(e: E): P },
) {
  const { decide, evolve, initialState } = decider;
  const tests = deciderTests(decider);
  const decided = (state: S, command: C, actor: A) => decide({ command, actor }, state);
  const played = (attempts: Iterable<[C, string]>) =>
    play(initialState(), attempts, {
      decide: ([command, agency], state) => decided(state, command, rules.party(agency)),
      evolve,
      publish: rules.publish,
    });
  return {
    run: (state: S, command: C, actor = rules.byDefault) => tests.run(state, { command, actor }),
    refusal: (state: S, command: C, actor = rules.byDefault) =>
      tests.refusal(state, { command, actor }),
    played,
    /**
     * Checks, over generated histories, that every refused attempt leaves the state as it was,
     * and that `decide` and `evolve` change nothing they are given (frozen: a mutation throws).
     */
    leavesAlone(attempt: fc.Arbitrary<[C, string]>): void {
      const check = (attempts: [C, string][], [command, agency]: [C, string]) => {
        const { refused, state } = played(attempts);
        for (const r of refused)
          if (JSON.stringify(r.after) !== JSON.stringify(r.before))
            throw new Error("a refused attempt changed the state");
        const frozen = deepFreeze(structuredClone(state));
        const out = decided(frozen, deepFreeze({ ...command }), deepFreeze(rules.party(agency)));
        if (!isRefusal(out)) for (const e of out) evolve(frozen, deepFreeze(e));
      };
      fc.assert(fc.property(fc.array(attempt, { maxLength: 10 }), attempt, check), {
        numRuns: 300,
      });
    },
    /**
     * Checks, over generated histories, that a reader's `record` fold takes a step from the bus
     * exactly when its publisher could have decided it (`forEachForgery`), and then holds what
     * the decider's own fold holds.
     */
    forgeries(
      attempt: fc.Arbitrary<[C, string]>,
      command: fc.Arbitrary<C>,
      parties: readonly string[],
      record: (state: S, e: P) => { ok: true; record: S } | NotRecorded,
    ): void {
      forEachForgery(attempt, command, parties, (attempts, command, decider, publisher) => {
        const { state } = played(attempts);
        const out = decided(state, command, rules.party(decider));
        if (isRefusal(out)) return;
        for (const e of out) {
          const r = record(state, rules.publish({ ...e, agency: publisher } as E));
          if (r.ok !== (publisher === decider))
            throw new Error(`${decider}'s step published by ${publisher}: ok is ${r.ok}`);
          if (r.ok && JSON.stringify(r.record) !== JSON.stringify(evolve(state, e)))
            throw new Error(`${e.type} recorded is not the decider's fold`);
        }
      });
    },
  };
}

export {
  type Expected,
  GENERATED_TODAY,
  type Generated,
  generateRegisters,
  person,
  type Registers,
} from "./match/generate.ts";
