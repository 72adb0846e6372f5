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
export type NotRecorded = { ok: false; refused: Refusal } | { ok: false; waiting: string };

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
