import type { Decider } from "../decider.ts";
import { decideLead, type LeadCommand } from "./decide.ts";
import { evolveLead, initialLeadState, type LeadEvent, type LeadState } from "./state.ts";

export * from "./decide.ts";
export * from "./plausible.ts";
export * from "./state.ts";
export * from "./views.ts";

/** The lead aggregate (线索): registered, shared, linked to an earlier one, dismissed. */
export const leadDecider: Decider<LeadState, LeadCommand, LeadEvent> = {
  decide: decideLead,
  evolve: evolveLead,
  initialState: initialLeadState,
};
