import type { BusEvent } from "@liandong/contracts";
import {
  isSupervisionOrderEvent,
  type Refusal,
  recordSupervision,
  supervisionDecider,
} from "@liandong/domain";
import type { AggregateLog, Head } from "@liandong/runtime";
import type { Supervision } from "./supervision.ts";

/**
 * The office's record of supervision orders after one event from EVENTS, folded with the
 * domain's record of an order (each step replayed through `decide` with its publisher): the
 * refusal when its publisher was not entitled to take it (to be dead-lettered, not counted).
 */
export function followSupervision(s: Supervision, e: BusEvent): Refusal | undefined {
  if (!isSupervisionOrderEvent(e)) return undefined;
  const before = s.orders.get(e.data.orderId) ?? supervisionDecider.initialState();
  const recorded = recordSupervision(before, e);
  if (!recorded.ok) return recorded.refused;
  s.orders.set(recorded.record.orderId, recorded.record);
  return undefined;
}

/**
 * Moves the office's head of a `supervision` aggregate on to a step stored there (entitled or
 * not: the stream holds it, and the office's next step links to it), then counts it as seen: a
 * decision waiting for another party's step decides again once its head is where the stream's is.
 */
export async function observeSupervision(
  s: Supervision,
  log: AggregateLog,
  e: BusEvent,
  head: Head,
): Promise<void> {
  if (e.aggregate.kind !== "supervision") return;
  await log.observe("supervision", e.aggregate.id, head);
  s.seen.set(e.aggregate.id, (s.seen.get(e.aggregate.id) ?? 0) + 1);
}
