import type { BusEvent } from "@liandong/contracts";
import { interned } from "./intern.ts";

/** Where a stored event sits: its stream sequence in this reader's log and its SHA-256. */
export type StepMeta = { seq: number; hash: string };

/** One step of an aggregate as a reader stored it: where it sits in its log, what it links to. */
export type LoggedStep<T extends string = string> = {
  eventId: string;
  type: T;
  agency: string;
  actor: string;
  at: string;
  seq: number;
  hash: string;
  prev: string | null;
};

/**
 * Pure: the step a stored event records. Its fields are written in one order, so that every
 * step a reader holds has one shape (a referral's fold adds its optional ones after them).
 */
export function loggedStep<E extends BusEvent>(e: E, meta: StepMeta): LoggedStep<E["type"]> {
  return {
    eventId: e.id,
    // Kept for as long as the record: one copy of each type, agency and officer (`interned`).
    type: interned(e.type),
    agency: interned(e.agency),
    actor: interned(e.actor),
    at: e.time,
    seq: meta.seq,
    hash: meta.hash,
    prev: e.prev,
  };
}
