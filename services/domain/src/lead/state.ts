import type {
  AgencyCode,
  BusEvent,
  LeadFacts,
  LeadStatus,
  SharedAcross,
} from "@liandong/contracts";
import type { z } from "zod";
import { interned, internedList } from "../intern.ts";

export type LeadEventType = "lead.reported" | "lead.shared" | "lead.linked" | "lead.dismissed";

/**
 * A lead's event as every reader folds it: its type and data, and from the envelope who
 * recorded it, where and when, and whom it is addressed to. A validated `BusEvent` of a lead
 * type is one; so is what `decideLead` produces, before the log gives it an id and a hash.
 */
export type LeadEvent<T extends LeadEventType = LeadEventType> = {
  [K in T]: Pick<
    BusEvent<K>,
    "type" | "data" | "county" | "agency" | "actor" | "time" | "to" | "toCounty"
  >;
}[T];

/**
 * One lead as a reader knows it. The originator and the office know it by its registration
 * (`lead.reported`); an addressee, or the office of a neighbouring county, by the first share
 * addressed to one of its agencies (`lead.shared`). The facts are those of that first event:
 * across a county line, without the informant.
 */
export type Lead = LeadFacts & {
  /** The county of the agency that registered it. */
  county: string;
  originator: AgencyCode;
  knownBy: "registration" | "share";
  /** When that first event was recorded (ISO 8601): the registration, or the share. */
  at: string;
  /** Who recorded it: the officer who registered it. */
  by: string;
  /** The registration's key of "the same target"; absent when known by a share. */
  targetKey?: string | undefined;
  /** The agencies of the county the routing table shares it with (none when known by a share). */
  sharedWith: AgencyCode[];
  /** Decided at registration: the neighbouring county it is shared with, and its agencies. */
  sharedAcross?: SharedAcross | undefined;
  /** Agencies of the reader's county whose copy is on the bus. */
  deliveredTo: AgencyCode[];
  /** Known by registration: the neighbour's agencies whose copy is on the bus. */
  sentAcross?: SharedAcross | undefined;
  /** Known by a share: the routing rule that decided it (e.g. `source:record-audit`). */
  shareReason?: string | undefined;
  /** Earlier leads about the same target. */
  linkedTo: string[];
  status: z.infer<typeof LeadStatus>;
};

/** Nothing known of the lead yet. */
export type LeadState = Lead | undefined;

export const initialLeadState = (): LeadState => undefined;

/**
 * Pure: the lead after one event. Every event may come more than once (a copy addressed to each
 * recipient, a redelivery): folding it again returns the same state, the same object, so that a
 * reader can tell nothing changed by identity.
 */
export function evolveLead(state: LeadState, e: LeadEvent): LeadState {
  switch (e.type) {
    case "lead.reported": {
      if (state) return state;
      const d = e.data;
      return known(d, {
        county: e.county,
        originator: e.agency,
        knownBy: "registration",
        at: e.time,
        by: e.actor,
        targetKey: d.targetKey,
        sharedWith: d.recipients,
        sharedAcross: d.sharedAcross,
        deliveredTo: [],
        sentAcross: undefined,
        shareReason: undefined,
        linkedTo: [],
        status: "open",
      });
    }
    case "lead.shared": {
      const to = e.data.to;
      if (!state) {
        return known(e.data.lead, {
          county: e.county,
          originator: e.data.originator,
          knownBy: "share",
          at: e.time,
          by: e.actor,
          targetKey: undefined,
          sharedWith: [],
          sharedAcross: undefined,
          deliveredTo: internedList([to]),
          sentAcross: undefined,
          shareReason: e.data.reason,
          linkedTo: [],
          status: "open",
        });
      }
      // A copy of our own registration sent to a neighbouring county (属地管理).
      if (state.knownBy === "registration" && e.toCounty !== undefined) {
        const across = state.sentAcross;
        if (across?.agencies.includes(to)) return state;
        return {
          ...state,
          sentAcross: {
            county: across?.county ?? e.toCounty,
            agencies: [...(across?.agencies ?? []), to],
          },
        };
      }
      if (state.deliveredTo.includes(to)) return state;
      return { ...state, deliveredTo: internedList([...state.deliveredTo, to]) };
    }
    case "lead.linked":
      if (!state || state.linkedTo.includes(e.data.earlierLeadId)) return state;
      return { ...state, linkedTo: [...state.linkedTo, e.data.earlierLeadId] };
    case "lead.dismissed":
      if (!state || state.status === "dismissed") return state;
      return { ...state, status: "dismissed" };
  }
}

/** What a reader knows of a lead besides its facts: every field, given even when undefined. */
type Knowledge = Required<Omit<Lead, keyof LeadFacts>>;

/**
 * A lead first known, with every field written out in one order: every lead then has one shape,
 * which V8 keeps fast (a rest-and-spread of the event's data made each a slow object, some
 * tens of microseconds per event on the office's rebuild).
 */
function known(f: LeadFacts, k: Knowledge): Lead {
  return {
    leadId: f.leadId,
    // What a year of leads repeat is kept once (`interned`): the rest is as the event gave it.
    source: interned(f.source),
    violations: internedList(f.violations),
    target: f.target,
    summary: f.summary,
    evidence: orNone(f.evidence),
    observedAt: f.observedAt,
    informant: f.informant,
    handling: orNone(f.handling),
    county: interned(k.county),
    originator: interned(k.originator),
    knownBy: k.knownBy,
    at: k.at,
    by: interned(k.by),
    targetKey: k.targetKey,
    sharedWith: internedList(k.sharedWith),
    sharedAcross: k.sharedAcross,
    deliveredTo: orNone(k.deliveredTo),
    sentAcross: k.sentAcross,
    shareReason: k.shareReason,
    linkedTo: orNone(k.linkedTo),
    status: k.status,
  };
}

/**
 * One empty list for every lead with none of a kind (no evidence, no handling restriction, no
 * link yet): a year of leads held three or four empty lists of its own each, every one of them
 * copied twice by the collector as the office rebuilt. Frozen: a fold never writes into a
 * lead's list, it makes a new one.
 */
const NONE: readonly never[] = Object.freeze([]);

function orNone<T>(list: T[]): T[] {
  return list.length === 0 ? (NONE as never[]) : list;
}
