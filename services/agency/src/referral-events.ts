import type { BusEvent } from "@liandong/contracts";
import type { DeskStore } from "./desk-store.ts";
import { applyReferral, isReferralEvent } from "./referral-record.ts";

/** Records one referral event from the bus in this agency's copy of the referral. */
export async function recordReferralEvent(
  store: DeskStore,
  e: BusEvent,
  seq: number,
): Promise<void> {
  if (!isReferralEvent(e)) return;
  const current = store.referrals.get(e.aggregate.id);
  const next = applyReferral(current, e, seq);
  if (!next) throw new Error(`referral ${e.aggregate.id}: a step arrived before its offer`);
  if (next !== current) await store.saveReferral(next);
}
