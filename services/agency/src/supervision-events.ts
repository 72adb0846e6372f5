import { type BusEvent, OFFICE, type SupervisionOrderView } from "@liandong/contracts";
import {
  isSupervisionOrderEvent,
  recordSupervision,
  refuse,
  type SupervisionOrder,
  supervisionDecider,
} from "@liandong/domain";
import {
  type AggregateLog,
  type Delivery,
  deadLetterError,
  deliveryHash,
  notEntitledError,
} from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";

/**
 * The domain's record of an order as the desk keeps it. Orders stored before the record carried
 * the ids of its events have none: a step is then known by the order's state alone.
 */
export function orderOf(stored: SupervisionOrderView): SupervisionOrder {
  return { ...stored, events: (stored as Partial<SupervisionOrder>).events ?? [] };
}

/** Steps of each `supervision` aggregate this desk has seen arrive, by what it is about. */
export type Seen = Map<string, number>;

/**
 * What the office addressed to this agency on a `supervision` aggregate (its inbox): a deadline
 * recorded as passed, an order, an escalation. The aggregate's head moves on first (this agency's
 * answers link to it), then the order is recorded with the domain's record fold (each step
 * replayed through `decide` with its publisher: only the office orders and escalates); a step
 * its publisher could not take is dead-lettered. Counted as seen last: an answer waiting for the
 * office's step decides again once the head is where the stream's is.
 */
export function supervisionInbox(deps: {
  agency: string;
  store: DeskStore;
  log: AggregateLog;
  seen: Seen;
}) {
  const { agency, store, log, seen } = deps;
  return async (e: BusEvent, d: Delivery): Promise<void> => {
    await log.observe("supervision", e.aggregate.id, {
      seq: d.origin.seq,
      hash: deliveryHash(d),
    });
    try {
      await record(e);
    } finally {
      seen.set(e.aggregate.id, (seen.get(e.aggregate.id) ?? 0) + 1);
    }
  };

  async function record(e: BusEvent): Promise<void> {
    if (e.type === "supervision.overdue") {
      if (e.agency !== OFFICE)
        throw notEntitledError(
          refuse("forbidden", "supervision.deadlines-by-office", { agency: e.agency }),
        );
      // A deadline passed: counted in the monthly figures (ReportDesk), nothing to keep here.
      return;
    }
    if (!isSupervisionOrderEvent(e)) return;
    if (e.type === "supervision.answered" || e.data.to !== agency)
      throw deadLetterError(
        "misaddressed",
        refuse("invalid", "inbox.for-another-agency", { type: e.type, agency }),
      );
    const known = store.orders.get(e.data.orderId);
    const before = known ? orderOf(known) : supervisionDecider.initialState();
    const recorded = recordSupervision(before, e);
    if (!recorded.ok) throw notEntitledError(recorded.refused);
    // Delivered again (the same step): nothing to write.
    if (recorded.record !== before) await store.saveOrder(recorded.record);
  }
}
