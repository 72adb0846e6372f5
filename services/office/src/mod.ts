export { office } from "./office.ts";
export { evolve, type TrackedLead } from "./lead-tracker.ts";
