import { uuidFromName } from "./hash.ts";

/**
 * The aggregate on which one agency records the steps it refused on one referral: its own
 * (one writer), so recording a refusal never races the referral's own chain.
 */
export const attemptAggregateId = (referralId: string, agency: string): string =>
  uuidFromName(`attempts:${referralId}:${agency}`);
