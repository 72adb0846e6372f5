import type { AgencyCode, BusEvent } from "@liandong/contracts";
import { decideLead, evolveLead, isRefusal, type LeadEvent } from "@liandong/domain";
import { type AggregateLog, type Delivery, sha256Hex, ValidationError } from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";
import { recordInspection } from "./inspection-routes.ts";
import { recordReferralEvent } from "./referral-events.ts";
import { recordSupervision } from "./supervision-routes.ts";

/** Handles what other agencies addressed to this one (its durable consumer on `INBOX_<agency>`). */
export function inboxHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  log: AggregateLog;
  /** An originator's answer to this agency's request to pass a restricted lead across. */
  consentDecided: (e: BusEvent) => Promise<void>;
}) {
  const { agency, store, log } = deps;
  return async (e: BusEvent, d: Delivery): Promise<void> => {
    if (e.to !== agency) {
      throw new ValidationError(
        "misaddressed",
        `event addressed to ${e.to ?? "no one"} reached ${agency}'s inbox`,
      );
    }
    if (e.aggregate.kind === "referral") {
      // The other party's step: it moves this agency's head of the referral too (both
      // written at once: separate keys).
      const hash = sha256Hex(d.bytes);
      await Promise.all([
        log.observe("referral", e.aggregate.id, { seq: d.origin.seq, hash }),
        recordReferralEvent(store, e, d.origin.seq, hash),
      ]);
      return;
    }
    if (e.aggregate.kind === "supervision") {
      // The office's order or escalation: it moves this agency's head of the aggregate too.
      await log.observe("supervision", e.aggregate.id, {
        seq: d.origin.seq,
        hash: sha256Hex(d.bytes),
      });
      await recordSupervision(store, e);
      return;
    }
    if (e.aggregate.kind === "consent") {
      await log.observe("consent", e.aggregate.id, {
        seq: d.origin.seq,
        hash: sha256Hex(d.bytes),
      });
      if (e.type === "consent.requested") {
        // Asked of this agency as the lead's originator: kept until it answers.
        if (e.data.originator !== agency || e.data.requestedBy !== e.agency) {
          throw new ValidationError(
            "inconsistent-consent",
            "consent.requested names another originator or requester than its envelope",
          );
        }
        if (!store.consents.has(e.data.referralId)) {
          await store.saveConsent({ ...e.data, status: "pending", requestedAt: e.time });
        }
        return;
      }
      await deps.consentDecided(e);
      return;
    }
    if (e.aggregate.kind === "inspection") {
      await recordInspection(store, agency, e);
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
          throw new ValidationError(
            e.type === "lead.shared" ? "inconsistent-share" : "not-the-originator",
            admitted.message,
            admitted.field ? [{ field: admitted.field, message: admitted.message }] : [],
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
