import type { InformantBusEvent } from "../bus-events.ts";
import { type NotRecorded, notEntitled, replayed } from "../decider.ts";
import { sameData } from "../same-data.ts";
import type { StepMeta } from "../step.ts";
import {
  type Approver,
  type InformantCommand,
  type InformantEvent,
  type InformantFile,
  type InformantOpening,
  type InformantState,
  informantDecider,
} from "./informant.ts";

/**
 * The holding agency's record of an informant's file: its state, the ids of the events folded
 * (delivery is at least once) and the last one's place in the log, which the next links to.
 */
export type InformantRecord = Extract<InformantState, { status: "open" }> & {
  applied: string[];
  head: { seq: number; hash: string | null };
};

/** What the holding agency knows to replay a step: who of its officers approves, and the range. */
export type InformantContext = {
  officer(id: string): Approver;
  rewardRangeYuan: { min: number; max: number };
};

export type RecordedInformant = { ok: true; record: InformantRecord } | NotRecorded;

/**
 * Pure: the file opened by the lead that put an informant on file; `undefined` when the lead
 * has none.
 */
export function openInformantFile(opening: InformantOpening): InformantRecord | undefined {
  const state = informantDecider.evolve(informantDecider.initialState(), opening);
  if (state.status === "none") return undefined;
  return { ...state, applied: [], head: { seq: 0, hash: null } };
}

/**
 * Pure: the file after one of its events from the bus; idempotent by event id. A step is taken
 * only if it links to the last one and its publisher could have decided it: it is replayed
 * through `decide`, as the officer who recorded it (the envelope's actor), on the file as it
 * stood. Only the holding agency's events pass; a step that follows one not folded yet waits.
 */
export function recordInformant(
  record: InformantRecord,
  e: InformantBusEvent,
  meta: StepMeta,
  context: InformantContext,
): RecordedInformant {
  if (record.applied.includes(e.id)) return { ok: true, record };
  if (e.aggregate.id !== record.ref || e.data.informantRef !== record.ref)
    return notEntitled("step.wrong-aggregate", {
      type: e.type,
      id: e.data.informantRef,
      aggregate: e.aggregate.id,
    });
  if (e.agency !== record.agency)
    return notEntitled("informant.other-holder", {
      agency: e.agency,
      type: e.type,
      holder: record.agency,
    });
  if (e.prev !== record.head.hash)
    return { ok: false, waiting: `${e.type} before the step it follows` };
  const { applied: _a, head: _h, ...state } = record;
  const decided = replayed(informantDecider.decide(commandOf(e, context), state), e, e.actor);
  if (!Array.isArray(decided)) return decided;
  // The first event the command gives: an unsealing is recorded on its own only after the
  // approval that completes it, never in its place.
  const [first] = decided;
  if (first?.type !== e.type || !sameData(first.data, e.data))
    return notEntitled("step.not-decided", { type: e.type, by: e.actor });
  const next = informantDecider.evolve(state, e as InformantEvent);
  if (next.status === "none") return notEntitled("informant.closed-by", { type: e.type });
  return {
    ok: true,
    record: {
      ...next,
      applied: [...record.applied, e.id],
      head: { seq: meta.seq, hash: meta.hash },
    },
  };
}

/** The command a step on the bus records, by its officer, when it was recorded. */
function commandOf(e: InformantBusEvent, context: InformantContext): InformantCommand {
  const by = { agency: e.agency, officer: context.officer(e.actor), at: e.time };
  switch (e.type) {
    case "informant.reward-approved":
      return {
        ...by,
        type: "approve-reward",
        amountYuan: e.data.amountYuan,
        reason: e.data.reason,
        range: context.rewardRangeYuan,
      };
    case "informant.unseal-requested":
      return { ...by, type: "request-unseal", requestId: e.data.requestId, reason: e.data.reason };
    case "informant.unseal-approved":
    case "informant.unsealed":
      return { ...by, type: "approve-unseal", requestId: e.data.requestId };
    case "informant.reward-paid":
      return { ...by, type: "pay-reward", amountYuan: e.data.amountYuan };
    case "informant.shredded":
      return { ...by, type: "shred", reason: e.data.reason };
  }
}

/** Pure: what the file shows its agency's officers: no identity, no bookkeeping. */
export function informantView(record: InformantRecord): InformantFile {
  const { applied: _a, head: _h, status: _s, agency: _g, ...file } = record;
  return file;
}
