import type { AgencyCode } from "./agency.ts";
import type { AggregateKind } from "./envelope.ts";

/**
 * Subject grammar. What the server must authenticate or filter on is a token:
 *
 *   ld.ev.<county>.<agency>.<aggregate-kind>.<aggregate-id>.<to>
 *
 * `<agency>` is the publisher: an agency's NATS identity may publish only where this token is
 * its own code. `<to>` is the addressee, or `_` when the event is addressed to no one; each
 * agency's inbox stream sources exactly the events whose `<to>` is that agency.
 *
 *   ld.dlq.<agency>.<reason>      dead letters of one agency's consumers
 *
 * Across a county line (区域协作), the addressed county leads, so that what one neighbour may
 * read is one subject filter:
 *
 *   ld.xb.<to-county>.<county>.<agency>.<aggregate-kind>.<aggregate-id>.<to>
 */
export const EVENTS_ROOT = "ld.ev";
export const NO_ADDRESSEE = "_";

export const CROSS_BORDER_ROOT = "ld.xb";

export const STREAMS = {
  events: "EVENTS",
  deadLetters: "DLQ",
  inbox: (agency: AgencyCode) => `INBOX_${agency}`,
  /** What this county addresses to one neighbour: the only stream that neighbour may read. */
  regionOut: (neighbour: string) => `REGION_OUT_${neighbour}`,
} as const;

/** Each county of a region is its own JetStream domain. */
export const jetstreamDomain = (county: string) => `c${county}`;

/** An event a county's agency addresses to an agency of a neighbouring county. */
export function crossBorderSubject(a: EventAddress & { toCounty: string }): string {
  return `${CROSS_BORDER_ROOT}.${a.toCounty}.${a.county}.${a.agency}.${a.kind}.${a.id}.${a.to ?? NO_ADDRESSEE}`;
}

/** Everything this county's agencies address to one neighbour. */
export function outboundSubjects(county: string, neighbour: string): string {
  return `${CROSS_BORDER_ROOT}.${neighbour}.${county}.>`;
}

/** Everything neighbours address to one agency of this county. */
export function crossBorderInboxSubjects(county: string, agency: AgencyCode): string {
  return `${CROSS_BORDER_ROOT}.${county}.*.*.*.*.${agency}`;
}

/** KV bucket private to one agency: its state and its sealed store. */
export const agencyBucket = (agency: AgencyCode) => `agency_${agency}`;

export type EventAddress = {
  county: string;
  agency: AgencyCode;
  kind: AggregateKind;
  id: string;
  to?: AgencyCode | undefined;
};

export function eventSubject(a: EventAddress): string {
  return `${EVENTS_ROOT}.${a.county}.${a.agency}.${a.kind}.${a.id}.${a.to ?? NO_ADDRESSEE}`;
}

/** Every event of one aggregate, whoever published it (for per-aggregate concurrency). */
export function aggregateSubjects(county: string, kind: AggregateKind, id: string): string {
  return `${EVENTS_ROOT}.${county}.*.${kind}.${id}.*`;
}

/** Everything one agency publishes in its county. */
export function publisherSubjects(county: string, agency: AgencyCode): string {
  return `${EVENTS_ROOT}.${county}.${agency}.>`;
}

/** Everything addressed to one agency, from any county. */
export function inboxSubjects(agency: AgencyCode): string {
  return `${EVENTS_ROOT}.*.*.*.*.${agency}`;
}

export function deadLetterSubject(agency: AgencyCode, reason: string): string {
  return `ld.dlq.${agency}.${reason}`;
}

export type ParsedSubject = {
  county: string;
  agency: string;
  kind: string;
  id: string;
  to: string | undefined;
  /** Set when the event crossed a county line: the county it is addressed to. */
  toCounty?: string;
};

export function parseEventSubject(subject: string): ParsedSubject | undefined {
  const t = subject.split(".");
  // Across a county line: the addressed county first, then the same tokens as at home.
  if (t.length === 8 && t[0] === "ld" && t[1] === "xb") {
    const [, , toCounty, county, agency, kind, id, to] = t as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { county, agency, kind, id, to: to === NO_ADDRESSEE ? undefined : to, toCounty };
  }
  if (t.length !== 7 || t[0] !== "ld" || t[1] !== "ev") return undefined;
  const [, , county, agency, kind, id, to] = t as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { county, agency, kind, id, to: to === NO_ADDRESSEE ? undefined : to };
}
