export { evolve, type TrackedLead, type Tracker, trackedLead } from "./lead-tracker.ts";
export { office } from "./office.ts";
export { evolveReferrals, type ReferralTracker, referralsMatching } from "./referral-tracker.ts";
export { Statistics } from "./statistics.ts";
