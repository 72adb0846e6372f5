export { evolve, type TrackedLead, type Tracker, trackedLead } from "./lead-tracker.ts";
export { office } from "./office.ts";
export { evolveReferrals, filterReferrals, type ReferralTracker } from "./referral-tracker.ts";
export { Statistics } from "./statistics.ts";
