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
  missing: string;
  evolve(state: Open | Unopened, event: Event): Open | Unopened;
}): Decider<Open | Unopened, { command: OpenCommand | Command; actor: Actor }, Event> {
  return actorDecider({
    decide(command: OpenCommand | Command, state: Open | Unopened, actor: Actor) {
      if ((command as OpenCommand).type === rules.opens)
        return rules.open(command as OpenCommand, state, actor);
      if (isUnopened(state)) return refuse("conflict", rules.missing);
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
 */
export type Refusal = {
  refused: "forbidden" | "conflict" | "invalid";
  message: string;
  /** For `invalid`: the command's field at fault, as a dotted path. */
  field?: string;
  /** For `invalid`: every field at fault, when there is more than one. */
  issues?: { field: string; message: string }[];
};

/**
 * Why a reader did not take a step from the bus into its record: `refused`, its publisher was
 * not entitled to it (a dead letter, never recorded); `waiting`, the step it follows has not
 * reached this reader yet (delivered again later). Each record fold answers these or its record.
 */
export type NotRecorded = NotEntitled | { ok: false; waiting: string };
type NotEntitled = { ok: false; refused: Refusal };

/** A step a reader does not take: its publisher was not entitled to take it. */
export function notEntitled(message: string): NotEntitled {
  return { ok: false, refused: { refused: "forbidden", message } };
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
  return {
    ok: false,
    refused: { ...decided, message: `${by} may not record ${step.type}: ${decided.message}` },
  };
}

export function refuse(refused: Refusal["refused"], message: string, field?: string): Refusal {
  return field === undefined ? { refused, message } : { refused, message, field };
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
