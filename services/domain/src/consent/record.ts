import type { ConsentView } from "@liandong/contracts";
import type { ConsentBusEvent } from "../bus-events.ts";
import { type NotRecorded, notEntitled, replayed } from "../decider.ts";
import { sameData } from "../same-data.ts";
import { type LoggedStep, loggedStep, type StepMeta } from "../step.ts";
import {
  type ConsentCommand,
  type ConsentEvent,
  type ConsentState,
  consentDecider,
} from "./consent.ts";

/** One step of a consent as a reader stored it: where it sits in its log, what it links to. */
export type ConsentStep = LoggedStep<ConsentBusEvent["type"]>;

/** A consent as each party keeps it: what it shows, and the steps it was folded from. */
export type ConsentRecord = ConsentView & { steps: ConsentStep[] };

/**
 * What recording one step gives: the record after it; `refused`, a step its publisher was not
 * entitled to take (a dead letter, never recorded); or `waiting`, an answer that reached this
 * reader before the request it answers (delivered again later).
 */
export type RecordedConsent = { ok: true; record: ConsentRecord } | NotRecorded;

/**
 * Pure: a reader's record of a consent after one of its events from the bus; idempotent by event
 * id. A step is taken only if its publisher (the envelope's agency, authenticated by the
 * subject) could have decided it on the step it links to: it is replayed through `decide`, the
 * rule the parties themselves decide with. A request is asked once; an answer links to it.
 */
export function recordConsent(
  record: ConsentRecord | undefined,
  e: ConsentBusEvent,
  meta: StepMeta,
): RecordedConsent {
  if (record?.steps.some((s) => s.eventId === e.id)) return { ok: true, record };
  if (e.data.referralId !== e.aggregate.id)
    return notEntitled("step.wrong-aggregate", {
      type: e.type,
      id: e.data.referralId,
      aggregate: e.aggregate.id,
    });
  if (e.type === "consent.requested") {
    if (record) return notEntitled("consent.asked-once");
    if (e.prev !== null) return notEntitled("consent.request-first");
  } else {
    if (!record) return { ok: false, waiting: `${e.type} before the request it answers` };
    if (e.prev !== record.steps.at(-1)?.hash)
      return notEntitled("consent.out-of-order", { type: e.type, referralId: record.referralId });
  }
  const state = record ? consentState(record) : consentDecider.initialState();
  const decided = replayed(consentDecider.decide(commandOf(e), state), e, e.agency);
  if (!Array.isArray(decided)) return decided;
  const [event] = decided;
  if (event?.type !== e.type || event.to !== e.to || !sameData(event.data, e.data))
    return notEntitled("step.not-decided", { type: e.type, by: e.agency });
  const next = consentDecider.evolve(state, e as ConsentEvent);
  if (next.status === "none") return notEntitled("consent.none-opened", { type: e.type });
  const step = loggedStep(e, meta);
  return { ok: true, record: { ...next, steps: [...(record?.steps ?? []), step] } };
}

/** The command a step on the bus records, by its publisher, when it was recorded. */
function commandOf(e: ConsentBusEvent): ConsentCommand {
  const by = { agency: e.agency, at: e.time };
  switch (e.type) {
    case "consent.requested":
      return { ...by, type: "request", request: e.data };
    case "consent.given":
      return { ...by, type: "give", note: e.data.note };
    case "consent.refused":
      return { ...by, type: "refuse", reason: e.data.reason };
  }
}

/** Pure: what a consent shows a person: the record without its steps. */
export function consentView(record: ConsentRecord): ConsentView {
  const { steps: _steps, ...view } = record;
  return view;
}

/** Pure: the decider's state of a recorded consent. */
export function consentState(record: ConsentRecord): ConsentState {
  return consentView(record);
}

/** The head a new step must link to: the last step's sequence in this reader's log and hash. */
export function consentHead(record: ConsentRecord | undefined): {
  seq: number;
  hash: string | null;
} {
  const last = record?.steps.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: null };
}
