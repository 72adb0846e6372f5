import type { Lead } from "@liandong/domain";
import { targetKey } from "./target-key.ts";

/** A lead this agency holds (its own, or shared with it), for duplicate detection. */
export type KnownLead = { leadId: string; targetKey: string; at: string };

/**
 * The leads at an agency's desk, each as the domain's `evolveLead` folds the events this agency
 * holds of it: those it registered, and those shared with it (its inbox). Indexed by target, so
 * that a registration finds the leads about the same target.
 */
export type DeskState = {
  leads: Map<string, Lead>;
  inbox: Map<string, Lead>;
  byTarget: Map<string, KnownLead[]>;
};

export const emptyDesk = (): DeskState => ({
  leads: new Map(),
  inbox: new Map(),
  byTarget: new Map(),
});

/** Remembers a lead in the target index, once, from when the agency came to hold it. */
export function indexTarget(state: DeskState, lead: Lead): void {
  const key = lead.targetKey ?? targetKey(lead.target);
  const list = state.byTarget.get(key) ?? [];
  if (!list.some((k) => k.leadId === lead.leadId))
    list.push({ leadId: lead.leadId, targetKey: key, at: lead.at });
  state.byTarget.set(key, list);
}

/** The leads this agency holds about the target of `key`: what a registration is compared with. */
export function sameTarget(state: DeskState, key: string): readonly KnownLead[] {
  return state.byTarget.get(key) ?? [];
}
