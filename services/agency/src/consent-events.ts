import type { AgencyCode, BusEvent, EventData } from "@liandong/contracts";
import { isConsentEvent, recordConsent } from "@liandong/domain";
import { notEntitledError } from "@liandong/runtime";
import type { DeskStore, StoredConsent } from "./desk-store.ts";

/**
 * Records one consent step from the bus in this agency's copy, through the domain's record (the
 * one both parties fold): a step its publisher was not entitled to take is dead-lettered; an
 * answer that came before the request it answers is delivered again later. The offer the
 * asking agency keeps stays with its copy.
 */
export async function recordConsentEvent(
  store: DeskStore,
  e: BusEvent,
  seq: number,
  hash: string,
): Promise<StoredConsent | undefined> {
  if (!isConsentEvent(e)) return undefined;
  const current = store.consents.get(e.aggregate.id);
  const recorded = recordConsent(current, e, { seq, hash });
  if (!recorded.ok) {
    if ("refused" in recorded) throw notEntitledError(recorded.refused);
    throw new Error(`consent ${e.aggregate.id}: ${recorded.waiting}`);
  }
  if (current && recorded.record === current) return current;
  const next: StoredConsent = {
    ...recorded.record,
    ...(current?.offer ? { offer: current.offer } : {}),
  };
  await store.saveConsent(next);
  return next;
}

/**
 * What another agency's consent step means here (this agency's inbox): a request of this
 * agency as the lead's originator is kept until it answers; the originator's answer to this
 * agency's request is recorded, and when consent was given the offer it kept is made (its id
 * derived from the referral's: once only, however often the answer is delivered).
 */
export function consentEventsHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  offer: (
    actor: string,
    data: EventData<"referral.offered">,
    toCounty: string | undefined,
  ) => Promise<unknown>;
}) {
  const { agency, store } = deps;
  return async (e: BusEvent, seq: number, hash: string): Promise<void> => {
    const consent = await recordConsentEvent(store, e, seq, hash);
    if (e.type !== "consent.given" || consent?.requestedBy !== agency) return;
    if (consent.offer && !store.referrals.has(consent.referralId))
      await deps.offer(consent.offer.actor, consent.offer.data, consent.toCounty);
  };
}
