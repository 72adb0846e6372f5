import type { AgencyCode, BusEvent } from "@liandong/contracts";
import { type AggregateLog, type Delivery, sha256Hex, uuidFromName } from "@liandong/runtime";
import { applyCase, type CaseBusEvent } from "./case-record.ts";
import { recordConsentEvent } from "./consent-events.ts";
import type { DeskStore } from "./desk-store.ts";
import { recordReferralEvent } from "./referral-events.ts";

/**
 * Handles the events this agency itself published (its durable `<agency>-sharer` consumer on
 * EVENTS). The stream is the outbox: whatever was acknowledged there is shared, even when the
 * process died right after the acknowledgement. Re-sharing is harmless: copies carry ids
 * derived from the original, and fan-out is marked done before the ack.
 */
export function ownEventsHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  log: AggregateLog;
  /** This agency's own step on an informant's file (informant-events.ts). */
  informantEvent: (e: BusEvent, seq: number, hash: string) => Promise<void>;
}) {
  const { agency, store, log } = deps;
  return async (e: BusEvent, d: Delivery): Promise<void> => {
    const head = { seq: d.seq, hash: sha256Hex(d.bytes) };
    // Our own lead (not a copy) is fanned out: appended to after this event, so the head moves
    // on in memory first, and goes to the bucket as the last copy is observed, not for this one.
    if (e.aggregate.kind === "lead" && e.to === undefined && e.agency === agency) {
      await log.advance("lead", e.aggregate.id, head);
      await fanOutLead(e, d);
    }
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
    if (e.type === "lead.reported") {
      const existing = store.lead(e.data.leadId);
      if (!existing) {
        // Acknowledged on the bus but the process stopped before recording it.
        const { targetKey, recipients, sharedAcross, ...facts } = e.data;
        await store.saveLead({
          ...facts,
          originator: agency,
          county: e.county,
          registeredAt: e.time,
          registeredBy: e.actor,
          sharedWith: recipients,
          ...(sharedAcross ? { sharedAcross } : {}),
          linkedTo: [],
          status: "open",
          targetKey,
        });
      }
    }
    if (e.type === "lead.linked" || e.type === "lead.dismissed") {
      const lead = store.lead(e.data.leadId);
      if (lead) {
        await store.saveLead(
          e.type === "lead.linked"
            ? { ...lead, linkedTo: [...new Set([...lead.linkedTo, e.data.earlierLeadId])] }
            : { ...lead, status: "dismissed" },
        );
      }
    }
    // Fanned out before only if this event was delivered before (and not acknowledged then).
    if (d.deliveryCount > 1 && (await store.fannedOut(e.id))) return;
    const lead = store.lead(e.aggregate.id);
    const across = lead?.sharedAcross;
    const addressees: { to: AgencyCode; toCounty?: string }[] = [
      ...(lead?.sharedWith ?? []).map((to) => ({ to })),
      ...(across?.agencies ?? []).map((to) => ({ to, toCounty: across!.county })),
    ];
    for (const { to, toCounty } of addressees) {
      const common = {
        actor: e.actor,
        aggregate: e.aggregate,
        to,
        ...(toCounty ? { toCounty } : {}),
        correlationId: e.correlationId,
        causationId: e.id,
        id: uuidFromName(toCounty ? `${e.id}:${toCounty}:${to}` : `${e.id}:${to}`),
      };
      if (e.type === "lead.reported") {
        const { targetKey: _k, recipients: _r, sharedAcross: _a, ...all } = e.data;
        // Across the county line the informant stays home: not even the opaque reference goes.
        const { informant: _i, ...withoutInformant } = all;
        const facts = toCounty ? withoutInformant : all;
        await log.append({
          ...common,
          type: "lead.shared",
          data: {
            leadId: facts.leadId,
            to,
            originator: agency,
            reason: `source:${facts.source}`,
            lead: facts,
          },
        });
      } else if (e.type === "lead.linked" || e.type === "lead.dismissed") {
        await log.append({ ...common, type: e.type, data: e.data } as Parameters<
          AggregateLog["append"]
        >[0]);
      }
    }
    await store.markFannedOut(e.id);
  }
}
