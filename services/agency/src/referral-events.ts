import type { BusEvent } from "@liandong/contracts";
import { ValidationError } from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";
import { applyReferral, isReferralEvent } from "./referral-record.ts";

/** Records one referral event from the bus in this agency's copy of the referral. */
export async function recordReferralEvent(
  store: DeskStore,
  e: BusEvent,
  seq: number,
  hash: string,
): Promise<void> {
  if (!isReferralEvent(e)) return;
  const current = store.referrals.get(e.aggregate.id);
  // The subject authenticates the publisher; the step must be one that publisher may take.
  const entitled =
    e.type === "referral.offered"
      ? e.data.from === e.agency && e.data.referralId === e.aggregate.id
      : current === undefined ||
        (e.data.by === e.agency &&
          e.agency === (e.type === "referral.withdrawn" ? current.from : current.to));
  if (!entitled) {
    throw new ValidationError(
      "not-entitled",
      `${e.agency} may not record ${e.type} on referral ${e.aggregate.id}`,
    );
  }
  const next = applyReferral(current, e, seq, hash);
  if (!next) throw new Error(`referral ${e.aggregate.id}: a step arrived before its offer`);
  if (next !== current) await store.saveReferral(next);
  // Applied already (by this agency's own request): acknowledged only once it is in the bucket.
  else await store.referralDurable(e.aggregate.id);
}
