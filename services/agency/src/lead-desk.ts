import {
  type AgencyCode,
  type CountyConfig,
  type InboxItem,
  type LeadFacts,
  type LeadRegistration,
  type LeadView,
  recipientsFor,
  type SharedAcross,
} from "@liandong/contracts";
import type { FieldIssue } from "@liandong/runtime";
import type { AgencyRules } from "./rules.ts";
import { targetKey } from "./target-key.ts";

/** A lead this agency knows about, for duplicate detection. */
export type KnownLead = { leadId: string; targetKey: string; at: number };

export type DeskState = {
  leads: Map<string, LeadView>;
  inbox: Map<string, InboxItem>;
  byTarget: Map<string, KnownLead[]>;
};

export const emptyDesk = (): DeskState => ({
  leads: new Map(),
  inbox: new Map(),
  byTarget: new Map(),
});

export type RegistrationDecision =
  | { ok: false; issues: FieldIssue[] }
  | {
      ok: true;
      facts: LeadFacts;
      targetKey: string;
      recipients: AgencyCode[];
      sharedAcross: SharedAcross | undefined;
      duplicateOf: string | undefined;
    };

const DAY_MS = 86_400_000;

/** Pure: what registering this lead means for this agency, or why it may not. */
export function decideRegistration(input: {
  state: DeskState;
  config: CountyConfig;
  rules: Pick<AgencyRules, "mayOriginate">;
  agency: AgencyCode;
  leadId: string;
  registration: LeadRegistration;
  informantRef: string | undefined;
  now: Date;
}): RegistrationDecision {
  const { registration: r, config, agency, state } = input;
  const issues: FieldIssue[] = [];
  if (!input.rules.mayOriginate.includes(r.source)) {
    issues.push({
      field: "source",
      message: `${agency} may not originate leads of source ${r.source}`,
    });
  }
  if (!config.counties.some((c) => c.code === r.target.county)) {
    issues.push({
      field: "target.county",
      message: `county ${r.target.county} is not known to this bus`,
    });
  }
  if (issues.length > 0) return { ok: false, issues };

  const key = targetKey(r.target);
  const since = input.now.getTime() - config.duplicateWindowDays * DAY_MS;
  const earlier = (state.byTarget.get(key) ?? [])
    .filter((k) => k.at >= since && k.leadId !== input.leadId)
    .sort((a, b) => b.at - a.at)[0];
  const facts: LeadFacts = {
    leadId: input.leadId,
    source: r.source,
    violations: r.violations,
    target: r.target,
    summary: r.summary,
    evidence: r.evidence,
    ...(r.observedAt ? { observedAt: r.observedAt } : {}),
    ...(input.informantRef && r.informant
      ? { informant: { ref: input.informantRef, rewardEligible: r.informant.rewardEligible } }
      : {}),
    handling: r.handling,
  };
  const recipients = recipientsFor(config, r.source, agency);
  // 属地管理: a target in a neighbouring county goes to that county, and to no other. A lead
  // restricted by its originator (不经同意不得转递) stays home until someone refers it.
  const across =
    config.region.neighbours.includes(r.target.county) &&
    !r.handling.includes("no-forward-without-consent");
  return {
    ok: true,
    facts,
    targetKey: key,
    recipients,
    sharedAcross: across
      ? { county: r.target.county, agencies: [...new Set([agency, ...recipients])] }
      : undefined,
    duplicateOf: earlier?.leadId,
  };
}

export function indexTarget(state: DeskState, known: KnownLead): void {
  const list = state.byTarget.get(known.targetKey) ?? [];
  if (!list.some((k) => k.leadId === known.leadId)) list.push(known);
  state.byTarget.set(known.targetKey, list);
}
