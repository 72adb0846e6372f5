import type { AgencyCode, BusEvent } from "@liandong/contracts";
import {
  decideLead,
  evolveLead,
  isRefusal,
  type LeadEvent,
  NO_ONE,
  refuse,
} from "@liandong/domain";
import {
  type AggregateLog,
  type Delivery,
  deadLetterError,
  deliveryHash,
  refusalInvalid,
} from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";
import { recordReferralEvent } from "./referral-events.ts";

/** Handles what other agencies addressed to this one (its durable consumer on `INBOX_<agency>`). */
export function inboxHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  log: AggregateLog;
  /** A consent step of another agency: asked of this one, or answering its request. */
  consentEvent: (e: BusEvent, seq: number, hash: string) => Promise<void>;
  /** The office's deadlines passed, supervision orders and escalations (supervision-events.ts). */
  supervision: (e: BusEvent, d: Delivery) => Promise<void>;
  /** The office's plans of joint inspections (inspection-events.ts). */
  inspection: (e: BusEvent) => Promise<void>;
}) {
  const { agency, store, log } = deps;
  return async (e: BusEvent, d: Delivery): Promise<void> => {
    if (e.to !== agency) {
      throw deadLetterError(
        "misaddressed",
        refuse("invalid", "inbox.misaddressed", { to: e.to ?? NO_ONE, agency }),
      );
    }
    if (e.aggregate.kind === "referral") {
      // The other party's step, in this agency's copy of the referral. The copy is the
      // referral's head too (its last step's sequence and hash, `headOf`), which every step
      // of ours links to: no separate head in the bucket to look up and write.
      await recordReferralEvent(store, e, d.origin.seq, deliveryHash(d));
      return;
    }
    if (e.aggregate.kind === "supervision") {
      await deps.supervision(e, d);
      return;
    }
    if (e.aggregate.kind === "consent") {
      const hash = deliveryHash(d);
      await log.observe("consent", e.aggregate.id, { seq: d.origin.seq, hash });
      await deps.consentEvent(e, d.origin.seq, hash);
      return;
    }
    if (e.aggregate.kind === "inspection") {
      await deps.inspection(e);
      return;
    }
    switch (e.type) {
      case "lead.shared":
      case "lead.linked":
      case "lead.dismissed": {
        // Recorded only if the sender was entitled to it: the lead's originator, as addressed.
        const before = store.state.inbox.get(e.aggregate.id);
        const admitted = decideLead({ type: "receive", agency, event: e as LeadEvent }, before);
        if (isRefusal(admitted))
          throw refusalInvalid(
            e.type === "lead.shared" ? "inconsistent-share" : "not-the-originator",
            admitted,
          );
        const lead = admitted.reduce(evolveLead, before);
        if (lead && lead !== before) await store.saveInbox(lead);
        return;
      }
      default:
        return;
    }
  };
}
