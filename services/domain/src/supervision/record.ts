import { type BusEvent, CITY_OFFICE, DAY_MS, OFFICE } from "@liandong/contracts";
import { notEntitled, type Refusal, replayed } from "../decider.ts";
import { NO_ONE } from "../refusals.ts";
import {
  type Supervised,
  type SupervisionCommand,
  type SupervisionOrder,
  type SupervisionState,
  supervisionDecider,
} from "./supervision.ts";

export type SupervisionBusEvent = Extract<
  BusEvent,
  { type: "supervision.ordered" | "supervision.answered" | "supervision.escalated" }
>;

/**
 * Whether a bus event is a step of a supervision order. The `supervision` aggregate of a
 * referral also holds the office's overdue notices (`supervision.overdue`): those are not.
 */
export function isSupervisionOrderEvent(e: BusEvent): e is SupervisionBusEvent {
  return (
    e.type === "supervision.ordered" ||
    e.type === "supervision.answered" ||
    e.type === "supervision.escalated"
  );
}

/** What recording one step gives: the order after it, or why its publisher could not take it. */
export type RecordedOrder =
  | { ok: true; record: SupervisionOrder }
  | { ok: false; refused: Refusal };

/**
 * Pure: a reader's record of a supervision order after one of its events, as it arrives from the
 * bus (the office's projection, the addressed agency's desk). Idempotent by event id.
 *
 * A step is taken only if its publisher (the envelope's agency, authenticated by the subject)
 * could have decided it on the order as it stood: it is replayed through `decide`, the rule the
 * office and the agencies decide with. Only the grounds of an order are taken on the office's
 * word (the order says whose overdue step or which open case it is about): whether a referral
 * was overdue is the office's record at the moment it decided, and its own order, on another
 * aggregate than the referral's, may reach the stream after a step that ended the delay.
 */
export function recordSupervision(state: SupervisionState, e: SupervisionBusEvent): RecordedOrder {
  if (state.status !== "none" && state.events.includes(e.id)) return { ok: true, record: state };
  const d = e.data;
  if (e.aggregate.id !== d.about.id)
    return notEntitled("step.wrong-aggregate", {
      type: e.type,
      id: d.about.id,
      aggregate: e.aggregate.id,
    });
  // An answer goes to the office that issued the order (the city's, for an order from above).
  const issuer = state.status !== "none" ? (state.by ?? OFFICE) : OFFICE;
  const addressee = e.type === "supervision.answered" ? issuer : e.data.to;
  if (e.to !== addressee)
    return notEntitled("supervision.misaddressed", {
      type: e.type,
      to: e.to ?? NO_ONE,
      addressee,
    });
  const actor = { agency: e.agency, county: e.county };
  const decided = replayed(
    supervisionDecider.decide({ command: commandOf(e), actor }, state),
    e,
    e.agency,
  );
  if (!Array.isArray(decided)) return decided;
  const [event] = decided;
  if (!event || !sameStep(event.data, d))
    return notEntitled("supervision.step-not-allowed", { type: e.type, agency: e.agency });
  const next = supervisionDecider.evolve(state, e);
  if (next.status === "none") return notEntitled("supervision.none-recorded", { type: e.type });
  return { ok: true, record: next };
}

/** The command a recorded step stands for, decided when it was recorded. */
function commandOf(e: SupervisionBusEvent): SupervisionCommand {
  const step = { at: e.time, eventId: e.id };
  switch (e.type) {
    case "supervision.ordered": {
      const d = e.data;
      // On the office's word: an overdue step of the addressee's, or a case it opened and holds open.
      const supervised: Supervised =
        d.by === CITY_OFFICE
          ? { kind: "major-case", reported: true, county: d.toCounty ?? "" }
          : d.grounds === "overdue"
            ? { kind: "referral", overdue: true, awaiting: { agency: d.to } }
            : { kind: "case", open: true, agency: d.to };
      return {
        ...step,
        type: "issue",
        orderId: d.orderId,
        about: d.about,
        reason: d.reason,
        answerWithinDays: (Date.parse(d.answerBy) - Date.parse(e.time)) / DAY_MS,
        supervised,
        // On the office's word too: the city's order it passes on, waiting for its answer.
        ...(d.forwards
          ? {
              forwards: {
                orderId: d.forwards,
                about: d.about,
                to: OFFICE,
                toCounty: e.county,
                byCounty: "",
                status: "open" as const,
                answerBy: d.answerBy,
              },
            }
          : {}),
      };
    }
    case "supervision.answered":
      return { ...step, type: "answer", answer: e.data.answer };
    case "supervision.escalated":
      return { ...step, type: "escalate" };
  }
}

/** Whether the step decided on replay is the one recorded (its answer deadline aside: rounding). */
function sameStep(decided: Record<string, unknown>, recorded: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(decided)) {
    if (k === "answerBy" || k === "reason") continue;
    if (JSON.stringify(v) !== JSON.stringify(recorded[k])) return false;
  }
  return true;
}
