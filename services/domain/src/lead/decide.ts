import {
  type AgencyCode,
  type CountyConfig,
  DAY_MS,
  LEAD_SOURCE_LABELS,
  type LeadFacts,
  type LeadRegistration,
  type LeadSource,
  recipientsFor,
  shareReasonOf,
} from "@liandong/contracts";
import { type Refusal, refuse } from "../decider.ts";
import { NO_ONE, named } from "../refusals.ts";
import { checkObservedAt, checkText } from "./plausible.ts";
import type { Lead, LeadEvent, LeadState } from "./state.ts";

/** An agency registers a lead (线索登记); an earlier lead about the same target is linked to it. */
export type RegisterLead = {
  type: "register";
  leadId: string;
  agency: AgencyCode;
  actor: string;
  now: Date;
  /** The registration as received: its texts already normalised by the contract. */
  registration: LeadRegistration;
  /** The informant's sealed reference, when the registration names one. */
  informantRef?: string | undefined;
  /** "The same target", as the agency keys it. */
  targetKey: string;
  config: CountyConfig;
  /** The sources this agency may originate leads of. */
  mayOriginate: readonly LeadSource[];
  /** Leads this agency holds about the same target, and when it came to hold each. */
  sameTarget: readonly { leadId: string; at: string }[];
};

/** The originator dismisses its lead (撤销线索), with a reason. */
export type DismissLead = {
  type: "dismiss";
  agency: AgencyCode;
  actor: string;
  now: Date;
  reason: string;
};

/**
 * The originator passes one of its own events on to whom the lead is shared with: the agencies
 * of the routing table, and across the county line the neighbour's (属地管理). Copies keep the
 * original's actor and time, so that a copy made again is the same copy.
 */
export type ShareLead = { type: "share"; agency: AgencyCode; of: LeadEvent };

/** Another agency's event addressed to this one: recorded only if its sender was entitled to it. */
export type ReceiveLead = { type: "receive"; agency: AgencyCode; event: LeadEvent };

export type LeadCommand = RegisterLead | DismissLead | ShareLead | ReceiveLead;

/** Pure: the events a command on the lead produces, or why it is refused. */
export function decideLead(command: LeadCommand, state: LeadState): LeadEvent[] | Refusal {
  switch (command.type) {
    case "register":
      return register(command, state);
    case "dismiss":
      return dismiss(command, state);
    case "share":
      return share(command, state);
    case "receive":
      return receive(command, state);
  }
}

function register(c: RegisterLead, state: LeadState): LeadEvent[] | Refusal {
  const r = c.registration;
  const { config, agency } = c;
  if (state) return refuse("conflict", "lead.registered", { leadId: c.leadId });
  if (!c.mayOriginate.includes(r.source))
    return refuse(
      "invalid",
      "lead.source-not-originated",
      { agency, source: named(LEAD_SOURCE_LABELS, r.source) },
      "source",
    );
  if (!config.counties.some((k) => k.code === r.target.county))
    return refuse("invalid", "lead.unknown-county", { county: r.target.county }, "target.county");
  const implausible =
    checkObservedAt(r.observedAt, c.now) ??
    checkText(r.summary, "summary") ??
    checkText(r.target.name, "target.name") ??
    checkText(r.informant?.name, "informant.name");
  if (implausible) return implausible;

  const since = c.now.getTime() - config.duplicateWindowDays * DAY_MS;
  let earlier: { leadId: string; at: number } | undefined;
  for (const k of c.sameTarget) {
    const at = Date.parse(k.at);
    if (k.leadId !== c.leadId && at >= since && (!earlier || at > earlier.at))
      earlier = { leadId: k.leadId, at };
  }
  const facts: LeadFacts = {
    leadId: c.leadId,
    source: r.source,
    violations: r.violations,
    target: r.target,
    summary: r.summary,
    evidence: r.evidence,
    ...(r.observedAt ? { observedAt: r.observedAt } : {}),
    ...(c.informantRef && r.informant
      ? { informant: { ref: c.informantRef, rewardEligible: r.informant.rewardEligible } }
      : {}),
    handling: r.handling,
  };
  const recipients = recipientsFor(config, r.source, agency);
  // 属地管理: a target in a neighbouring county goes to that county, and to no other. A lead
  // restricted by its originator (不经同意不得转递) stays home until someone refers it.
  const across =
    config.region.neighbours.includes(r.target.county) &&
    !r.handling.includes("no-forward-without-consent");
  const envelope = {
    county: config.county,
    agency,
    actor: c.actor,
    time: c.now.toISOString(),
  };
  const reported: LeadEvent = {
    ...envelope,
    type: "lead.reported",
    data: {
      ...facts,
      targetKey: c.targetKey,
      recipients,
      ...(across
        ? {
            sharedAcross: {
              county: r.target.county,
              agencies: [...new Set([agency, ...recipients])],
            },
          }
        : {}),
    },
  };
  if (!earlier) return [reported];
  return [
    reported,
    {
      ...envelope,
      type: "lead.linked",
      data: {
        leadId: c.leadId,
        earlierLeadId: earlier.leadId,
        reason: "same-target",
        targetKey: c.targetKey,
      },
    },
  ];
}

function dismiss(c: DismissLead, state: LeadState): LeadEvent[] | Refusal {
  if (state?.knownBy !== "registration" || state.originator !== c.agency)
    return refuse("forbidden", "lead.dismiss-not-originator");
  const unclear = checkText(c.reason, "reason");
  if (unclear) return unclear;
  if (state.status === "dismissed") return refuse("conflict", "lead.dismissed");
  return [
    {
      type: "lead.dismissed",
      county: state.county,
      agency: c.agency,
      actor: c.actor,
      time: c.now.toISOString(),
      data: { leadId: state.leadId, reason: c.reason },
    },
  ];
}

function share(c: ShareLead, state: LeadState): LeadEvent[] | Refusal {
  const of = c.of;
  if (of.agency !== c.agency || of.to !== undefined || of.type === "lead.shared")
    return refuse("forbidden", "lead.share-not-own");
  // Nothing to pass on of a lead this agency does not hold (its registration never recorded).
  if (state?.knownBy !== "registration" || state.originator !== c.agency) return [];
  const across = state.sharedAcross;
  const addressees: { to: AgencyCode; toCounty?: string }[] = [
    ...state.sharedWith.map((to) => ({ to })),
    ...(across?.agencies ?? []).map((to) => ({ to, toCounty: across!.county })),
  ];
  const envelope = { county: of.county, agency: of.agency, actor: of.actor, time: of.time };
  return addressees.map(({ to, toCounty }): LeadEvent => {
    const addressed = { ...envelope, to, ...(toCounty ? { toCounty } : {}) };
    if (of.type !== "lead.reported")
      return { ...addressed, type: of.type, data: of.data } as LeadEvent;
    const { targetKey: _k, recipients: _r, sharedAcross: _a, ...all } = of.data;
    // Across the county line the informant stays home: not even the opaque reference goes.
    const { informant: _i, ...withoutInformant } = all;
    const lead = toCounty ? withoutInformant : all;
    return {
      ...addressed,
      type: "lead.shared",
      data: {
        leadId: lead.leadId,
        to,
        originator: c.agency,
        reason: shareReasonOf(lead.source),
        lead,
      },
    };
  });
}

/**
 * A lead's own steps come in one order, each at most once: reported, linked to an earlier lead
 * (at registration), dismissed. Its copies to each addressee follow in the same order (the copy
 * of `lead.reported` being a `lead.shared`), one subject per addressee.
 */
const STEP: Readonly<Record<LeadEvent["type"], number>> = {
  "lead.reported": 0,
  "lead.shared": 0,
  "lead.linked": 1,
  "lead.dismissed": 2,
};

/**
 * Whether the copy of the originator's step `of` is on an addressee's subject already, given the
 * last copy that subject holds (`lastCopy`, none: undefined): `made` when that copy is of this
 * step or a later one; `due` when it is of the step just before (copies are made in order, so
 * none after it is there); `waiting` when the step before has no copy there yet (its own
 * sharing, delivered again, comes first). What sharing a step again after a crash relies on to
 * make no copy twice, however late.
 */
export function copyDue(
  lead: Pick<Lead, "linkedTo">,
  of: LeadEvent["type"],
  lastCopy: LeadEvent["type"] | undefined,
): "made" | "due" | "waiting" {
  const step = STEP[of];
  const last = lastCopy === undefined ? -1 : STEP[lastCopy];
  if (last >= step) return "made";
  const before =
    of === "lead.reported" ? -1 : of === "lead.dismissed" && lead.linkedTo.length > 0 ? 1 : 0;
  return last === before ? "due" : "waiting";
}

function receive(c: ReceiveLead, state: LeadState): LeadEvent[] | Refusal {
  const e = c.event;
  if (e.to !== c.agency)
    return refuse("invalid", "lead.misaddressed", { to: e.to ?? NO_ONE }, "to");
  switch (e.type) {
    case "lead.reported":
      return refuse("invalid", "lead.registration-addressed", "type");
    case "lead.shared":
      if (e.data.to !== c.agency || e.data.originator !== e.agency)
        return refuse("invalid", "lead.share-unlike-envelope", "data");
      if (state && state.originator !== e.agency)
        return refuse("forbidden", "lead.shared-by-other", {
          leadId: e.data.leadId,
          originator: state.originator,
        });
      return [e];
    case "lead.linked":
    case "lead.dismissed":
      // Shared before it was linked or dismissed; without the share it was never ours to see.
      if (!state) return [];
      if (state.originator !== e.agency) return refuse("forbidden", "lead.link-not-originator");
      return [e];
  }
}
