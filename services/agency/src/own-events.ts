import type { AgencyCode, BusEvent } from "@liandong/contracts";
import { copyDue, decideLead, evolveLead, isRefusal, type LeadEvent } from "@liandong/domain";
import {
  type AggregateLog,
  type Delivery,
  deliveryHash,
  refusalInvalid,
  uuidFromName,
} from "@liandong/runtime";
import { applyCase, type CaseBusEvent } from "./case-record.ts";
import { recordConsentEvent } from "./consent-events.ts";
import type { DeskStore } from "./desk-store.ts";
import { recordReferralEvent } from "./referral-events.ts";

const decoder = new TextDecoder();
/** The type of an event as stored (the envelope's `type`). */
const typeOfEvent = (bytes: Uint8Array) =>
  (JSON.parse(decoder.decode(bytes)) as { type: LeadEvent["type"] }).type;

/**
 * Handles the events this agency itself published (its durable `<agency>-sharer` consumer on
 * EVENTS). The stream is the outbox: whatever was acknowledged there is shared, even when the
 * process died right after the acknowledgement. Re-sharing is harmless: copies carry ids
 * derived from the original, and a step delivered again makes only the copies its addressees'
 * subjects do not hold yet.
 */
export function ownEventsHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  log: AggregateLog;
  /** This agency's own step on an informant's file (informant-events.ts). */
  informantEvent: (e: BusEvent, seq: number, hash: string) => Promise<void>;
  /**
   * When this service started (its clock): an event made before may have been fanned out by the
   * process before it, whatever its delivery count says (a nats-server killed with it may not
   * have written down that it delivered the event).
   */
  startedAt: number;
}) {
  const { agency, store, log } = deps;
  return async (e: BusEvent, d: Delivery): Promise<void> => {
    const head = { seq: d.seq, hash: deliveryHash(d) };
    // Our own lead (not a copy) is fanned out: appended to after this event, so the head moves
    // on in memory first, and goes to the bucket as the last copy is observed, not for this one.
    if (e.aggregate.kind === "lead" && e.to === undefined && e.agency === agency) {
      await log.advance("lead", e.aggregate.id, head);
      await fanOutLead(e, d);
    }
    // A referral's head is its copy's last step (`headOf`), which each step links to: the
    // copy is its record, not a separate head in the bucket (see inbox-events.ts). The audit
    // chain is the sealer's: it links each checkpoint to the last it saw back (its own state in
    // the bucket, `audit.sealer`) and appends nothing through the log. Neither has a head of the
    // log's to keep (for a checkpoint, two bus messages more after every quiet spell).
    if (e.aggregate.kind !== "referral" && e.aggregate.kind !== "audit")
      await log.observe(e.aggregate.kind, e.aggregate.id, head);
    if (e.aggregate.kind === "case") {
      // Recorded on the bus but perhaps not here (the process stopped in between).
      if (e.type.startsWith("case.")) {
        const next = applyCase(store.cases.get(e.aggregate.id), e as CaseBusEvent);
        if (next && next !== store.cases.get(e.aggregate.id)) await store.saveCase(next);
      }
      return;
    }
    if (e.aggregate.kind === "referral") {
      await recordReferralEvent(store, e, d.origin.seq, head.hash);
      return;
    }
    // Recorded on the bus but perhaps not here (the process stopped in between).
    if (e.aggregate.kind === "consent") {
      await recordConsentEvent(store, e, d.origin.seq, head.hash);
      return;
    }
    if (e.aggregate.kind === "informant") {
      await deps.informantEvent(e, d.origin.seq, head.hash);
      return;
    }
  };

  async function fanOutLead(e: BusEvent, d: Delivery): Promise<void> {
    const event = e as LeadEvent;
    // Recorded on the bus but perhaps not here (the process stopped in between): folded again,
    // which changes nothing when it was.
    const before = store.state.leads.get(e.aggregate.id);
    const lead = evolveLead(before, event);
    if (lead && lead !== before) await store.saveLead(lead);
    // Fanned out before only if this event was delivered before (and not acknowledged then), or
    // made before this process started: then each addressee's subject says whether its copy is
    // there (no bucket write per step to say it was done: two bus messages a lead saved).
    const again = d.deliveryCount > 1 || Date.parse(e.time) < deps.startedAt;
    const copies = decideLead({ type: "share", agency, of: event }, lead);
    if (isRefusal(copies)) throw refusalInvalid("not-shareable", copies);
    for (const copy of copies) {
      const req = {
        type: copy.type,
        actor: copy.actor,
        time: new Date(copy.time),
        aggregate: e.aggregate,
        to: copy.to,
        ...(copy.toCounty ? { toCounty: copy.toCounty } : {}),
        correlationId: e.correlationId,
        causationId: e.id,
        id: uuidFromName(
          copy.toCounty ? `${e.id}:${copy.toCounty}:${copy.to}` : `${e.id}:${copy.to}`,
        ),
        data: copy.data,
      } as Parameters<AggregateLog["append"]>[0];
      // Shared before the crash, perhaps, and longer ago than the duplicate window: what the
      // addressee's subject holds says whether this copy is there.
      if (again && lead) {
        const last = await log.lastOn(req);
        const due = copyDue(lead, event.type, last && typeOfEvent(last.bytes));
        if (due === "made") continue;
        if (due === "waiting")
          throw new Error(
            `lead ${e.aggregate.id}: the copy of an earlier step to ${copy.to} first`,
          );
      }
      await log.append(req, { onConflict: "reread" });
    }
  }
}
