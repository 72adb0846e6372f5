import type {
  AgencyCode,
  CountyConfig,
  HandlingRestriction,
  LeadFacts,
  ReferralOffer,
  Target,
} from "@liandong/contracts";
import { AGGREGATE_KIND_LABELS, deadlineBasis, referralDeadlines } from "@liandong/contracts";
import { named, refuse } from "@liandong/domain";
import { refusalInvalid } from "@liandong/runtime";
import type { DeskStore } from "./desk-store.ts";

/** What a referral can be about, as this agency holds it. */
export type Referable = {
  /** Where the matter is located (属地管理): the county a referral goes to by default. */
  target: Target;
  /** The lead's facts a neighbour's agency needs to act on it, when there are any to give. */
  lead?: LeadFacts;
  /** The agency whose consent a restricted lead needs before it is passed on. */
  originator: AgencyCode;
  handling: readonly HandlingRestriction[];
};

/**
 * The lead or case a referral is about, as this agency holds it: a lead it registered or
 * received, a case it opened. Refused with the field named otherwise (what may be referred of
 * it, a transfer to the judiciary of a case only among them, is the domain's `decide`).
 */
export function referable(
  store: DeskStore,
  agency: AgencyCode,
  offer: Pick<ReferralOffer, "about" | "kind">,
): Referable {
  const { about } = offer;
  if (about.kind === "lead") {
    const own = store.lead(about.id);
    const received = own ? undefined : store.inboxItem(about.id);
    const lead = own ?? received?.lead;
    if (lead)
      return {
        target: lead.target,
        lead,
        originator: own ? agency : (received?.from ?? agency),
        handling: lead.handling,
      };
  } else {
    const held = store.cases.get(about.id);
    if (held?.agency === agency)
      return {
        target: held.target,
        // The case is this agency's own: it needs nobody's consent. It carries the facts of a
        // lead behind it only where they are free to travel, so a restriction is not evaded.
        ...withFacts(caseLead(store, held)),
        originator: agency,
        handling: [],
      };
  }
  throw refusalInvalid(
    "invalid-body",
    refuse(
      "invalid",
      "referral.about-not-held",
      { kind: named(AGGREGATE_KIND_LABELS, about.kind) },
      "about.id",
    ),
  );
}

const withFacts = (lead: LeadFacts | undefined) => (lead ? { lead } : {});

/** The first lead behind a case that this agency may pass on as it is. */
function caseLead(
  store: DeskStore,
  held: { leads: string[]; referrals: string[] },
): LeadFacts | undefined {
  const ids = [
    ...held.leads,
    ...held.referrals.flatMap((id) => {
      const r = store.referrals.get(id);
      return r?.about.kind === "lead" ? [r.about.id] : [];
    }),
  ];
  for (const id of ids) {
    const own = store.lead(id);
    if (own) return own;
    const received = store.inboxItem(id)?.lead;
    if (received && !received.handling.includes("no-forward-without-consent")) return received;
  }
  return undefined;
}

/**
 * The deadlines of a referral offered now: the county's, or those the officer asked for. A
 * transfer to the judiciary is accepted within decree No. 310's filing decision: an earlier
 * date may be asked for, a later one is refused.
 */
export function offerDeadlines(
  config: CountyConfig,
  offer: Pick<ReferralOffer, "kind" | "to" | "acceptBy" | "completeBy">,
  now: Date,
): { acceptBy: string; completeBy: string } {
  const d = referralDeadlines(config, offer.kind, offer.to, now);
  if (
    offer.acceptBy !== undefined &&
    deadlineBasis(offer) === "decree-310" &&
    Date.parse(offer.acceptBy) > Date.parse(d.acceptBy)
  )
    throw refusalInvalid(
      "invalid-body",
      refuse("invalid", "referral.after-decree-310", { latest: d.acceptBy }, "acceptBy"),
    );
  return {
    acceptBy: offer.acceptBy ?? d.acceptBy,
    completeBy: offer.completeBy ?? d.completeBy,
  };
}
