export { evolve, type TrackedLead } from "./lead-tracker.ts";
export { office } from "./office.ts";
