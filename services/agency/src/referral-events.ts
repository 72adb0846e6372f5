import type { BusEvent } from "@liandong/contracts";
import { isReferralEvent, recordReferral } from "@liandong/domain";
import { notEntitledError } from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";

/**
 * Records one referral event from the bus in this agency's copy of the referral, through the
 * domain's record (the same every reader folds). A step its publisher was not entitled to take
 * is dead-lettered; one whose predecessor has not arrived yet is delivered again later.
 */
export async function recordReferralEvent(
  store: DeskStore,
  e: BusEvent,
  seq: number,
  hash: string,
): Promise<void> {
  if (!isReferralEvent(e)) return;
  const current = store.referrals.get(e.aggregate.id);
  const recorded = recordReferral(current, e, { seq, hash });
  if (!recorded.ok) {
    if ("refused" in recorded) throw notEntitledError(recorded.refused);
    throw new Error(`referral ${e.aggregate.id}: ${recorded.waiting}`);
  }
  if (recorded.view !== current) await store.saveReferral(recorded.view);
  // Applied already (by this agency's own request): acknowledged only once it is in the bucket.
  else await store.referralDurable(e.aggregate.id);
}
