import type { Label, Lang } from "@liandong/contracts";
import {
  type CodeArgs,
  type RefusalCode,
  type RefusalParam,
  type Said,
  said,
  sayWhy,
} from "./refusals.ts";

/**
 * The shape every aggregate's rules take (emmett's Decider): `decide` turns a command on the
 * current state into the events it produces or a refusal; `evolve` folds one event into the
 * state; `initialState` is where every fold starts. All three are pure: time, ids and
 * configuration come in with the command, never from a clock or the environment.
 */
export type Decider<State, Command, Event> = {
  decide(command: Command, state: State): Event[] | Refusal;
  evolve(state: State, event: Event): State;
  initialState(): State;
};

/**
 * A decider whose commands come with the party that gives them (`decide(command, state, actor)`):
 * an aggregate several parties step on, whose readers replay each step with its publisher.
 */
export function actorDecider<State, Command, Actor, Event>(rules: {
  decide(command: Command, state: State, actor: Actor): Event[] | Refusal;
  evolve(state: State, event: Event): State;
  initialState(): State;
}): Decider<State, { command: Command; actor: Actor }, Event> {
  return {
    decide: ({ command, actor }, state) => rules.decide(command, state, actor),
    evolve: rules.evolve,
    initialState: rules.initialState,
  };
}

/** An aggregate before the command that opens it: where every fold of one starts. */
export type Unopened = { status: "none" };

/**
 * The rules of an aggregate several parties step on that one command opens (`opens`): `open`
 * decides that command on any state (it refuses an aggregate already open); every other command
 * is `decide`'s, on the open aggregate only, refused as a conflict (`missing`) before it is.
 */
export function openedBy<OpenCommand extends { type: string }, Command, Open, Actor, Event>(rules: {
  opens: OpenCommand["type"];
  open(command: OpenCommand, state: Open | Unopened, actor: Actor): Event[] | Refusal;
  decide(command: Command, state: Open, actor: Actor): Event[] | Refusal;
  /** The refusal of a command on an aggregate not yet open. */
  missing: RefusalCode;
  evolve(state: Open | Unopened, event: Event): Open | Unopened;
}): Decider<Open | Unopened, { command: OpenCommand | Command; actor: Actor }, Event> {
  return actorDecider({
    decide(command: OpenCommand | Command, state: Open | Unopened, actor: Actor) {
      if ((command as OpenCommand).type === rules.opens)
        return rules.open(command as OpenCommand, state, actor);
      if (isUnopened(state)) return { refused: "conflict", code: rules.missing };
      return rules.decide(command as Command, state, actor);
    },
    evolve: rules.evolve,
    initialState: (): Open | Unopened => ({ status: "none" }),
  });
}

function isUnopened(state: unknown): state is Unopened {
  return (state as { status?: unknown }).status === "none";
}

/**
 * Why a command is refused. `forbidden`: not this party's step (403). `conflict`: not possible
 * in this state (409). `invalid`: the command itself is implausible (422), with the field named.
 * What it says is the catalogue's (`REFUSALS`): a code and its parameters, put in words by
 * whoever shows it (`refusalMessage`), in the reader's language.
 */
export type Refusal = Said & {
  refused: "forbidden" | "conflict" | "invalid";
  /** The refusal this one rests on (a step replayed: why its publisher could not have taken it). */
  because?: Refusal;
  /** For `invalid`: the command's field at fault, as a dotted path. */
  field?: string;
  /** For `invalid`: every field at fault, when there is more than one. */
  issues?: FieldRefusal[];
};

/** One field at fault, and why, as the catalogue says it. */
export type FieldRefusal = Said & { field: string };

/** Pure: what a refusal says in `lang` (Chinese unless English is asked for), with what it rests on. */
export function refusalMessage(r: Refusal, lang: Lang = "zh"): string {
  return sayWhy(r, lang);
}

/** Pure: a refusal's code and the codes of what it rests on, outermost first. */
export function refusalCodes(r: Refusal): RefusalCode[] {
  return r.because ? [r.code, ...refusalCodes(r.because)] : [r.code];
}

/** Pure: what a refusal says, in both languages. */
export function refusalTexts(r: Refusal): Label {
  return { zh: refusalMessage(r, "zh"), en: refusalMessage(r, "en") };
}

/**
 * Why a reader did not take a step from the bus into its record: `refused`, its publisher was
 * not entitled to it (a dead letter, never recorded); `waiting`, the step it follows has not
 * reached this reader yet (delivered again later). Each record fold answers these or its record.
 */
export type NotRecorded = NotEntitled | { ok: false; waiting: string };
type NotEntitled = { ok: false; refused: Refusal };

/** A step a reader does not take: its publisher was not entitled to take it. */
export function notEntitled<C extends RefusalCode>(code: C, ...args: CodeArgs<C>): NotEntitled {
  return { ok: false, refused: { refused: "forbidden", ...said(code, ...args) } };
}

/**
 * Pure: the refusal `refusal` rests on, as a step read off the bus gives it: `agency` may not
 * record a step of `type` (because of `refusal`, what `decide` answered on replaying it).
 */
export function notRecordable(agency: string, type: string, refusal: Refusal): Refusal {
  return {
    refused: refusal.refused,
    ...said("step.not-recordable", { agency, type }),
    because: refusal,
    ...(refusal.field === undefined ? {} : { field: refusal.field }),
  };
}

/**
 * Pure: what `decide` gave on replaying a step read off the bus with its publisher (`by`), the
 * refusal a reader records when the publisher could not have taken it; else the events decided,
 * for the reader to compare with the step as it stands on the bus.
 */
export function replayed<E>(
  decided: E[] | Refusal,
  step: { type: string },
  by: string,
): E[] | NotEntitled {
  if (Array.isArray(decided)) return decided;
  return { ok: false, refused: notRecordable(by, step.type, decided) };
}

/**
 * A refusal of the kind given, by its code in the catalogue, with the parameters its texts need
 * and (last) the field at fault: `refuse("invalid", "lead.unknown-county", { county }, "target.county")`.
 */
export function refuse<C extends RefusalCode>(
  refused: Refusal["refused"],
  code: C,
  ...rest: [...CodeArgs<C>, field?: string]
): Refusal {
  const last = rest[rest.length - 1];
  const field = typeof last === "string" ? last : undefined;
  const params = typeof rest[0] === "object" ? rest[0] : undefined;
  return {
    refused,
    code,
    ...(params === undefined ? {} : { params: params as Record<string, RefusalParam> }),
    ...(field === undefined ? {} : { field }),
  };
}

export function isRefusal<E>(r: E[] | Refusal): r is Refusal {
  return !Array.isArray(r);
}

/** Pure: the state after a sequence of events, from the decider's initial state. */
export function fold<S, C, E>(decider: Decider<S, C, E>, events: Iterable<E>): S {
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e);
  return state;
}
