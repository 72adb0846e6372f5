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
 * Across a county line (区域协作) one token more, the addressed county:
 *
 *   ld.ev.<county>.<agency>.<aggregate-kind>.<aggregate-id>.<to>.<to-county>
 *
 * so that everything an agency publishes, at home or across the line, is still under its own
 * `ld.ev.<county>.<agency>.>` (its permissions, its sealer, its outbox read one filter), and
 * what one neighbour may read is one filter too.
 *
 *   ld.dlq.<agency>.<reason>      dead letters of one agency's consumers
 */
export const EVENTS_ROOT = "ld.ev";
export const NO_ADDRESSEE = "_";

export const STREAMS = {
  events: "EVENTS",
  deadLetters: "DLQ",
  inbox: (agency: AgencyCode) => `INBOX_${agency}`,
  /** What this county addresses to one neighbour: the only stream that neighbour may read. */
  regionOut: (neighbour: string) => `REGION_OUT_${neighbour}`,
  /**
   * What one neighbour addressed to this county, as it arrives over the link: EVENTS sources it
   * here, so that restarting a stuck link reconfigures this copy, never the county's log.
   */
  regionIn: (neighbour: string) => `REGION_IN_${neighbour}`,
} as const;

/**
 * The JetStream API calls that rewrite a stream: delete it, purge it, delete one of its
 * messages, or change its configuration (a lower limit, a maximum age or another discard policy
 * drops what it holds). No everyday identity may make them; the office records each it sees made.
 */
export const STREAM_REWRITE_APIS = [
  "STREAM.DELETE",
  "STREAM.PURGE",
  "STREAM.MSG.DELETE",
  "STREAM.UPDATE",
] as const;
export type StreamRewriteApi = (typeof STREAM_REWRITE_APIS)[number];

/** Each county of a region is its own JetStream domain. */
export const jetstreamDomain = (county: string) => `c${county}`;

/** An event a county's agency addresses to an agency of a neighbouring county. */
export function crossBorderSubject(a: EventAddress & { toCounty: string }): string {
  return eventSubject(a);
}

/** Everything this county's agencies address to one neighbour. */
export function outboundSubjects(county: string, neighbour: string): string {
  return `${EVENTS_ROOT}.${county}.*.*.*.*.${neighbour}`;
}

/** Everything neighbours address to one agency of this county. */
export function crossBorderInboxSubjects(county: string, agency: AgencyCode): string {
  return `${EVENTS_ROOT}.*.*.*.*.${agency}.${county}`;
}

/** A county's own agencies may not address it as if across the line. */
export function addressedToOwnCounty(county: string): string {
  return `${EVENTS_ROOT}.*.*.*.*.*.${county}`;
}

/**
 * KV bucket private to the comparison service (数据比对): each holder's latest whole set of
 * facts as it was given (pseudonyms and facts, never an identity), and the findings already
 * on the log, so that a restart finds what it found before without every holder running again.
 */
export const COMPARISON_BUCKET = "comparison";

/** KV bucket private to one agency: its state and its sealed store. */
export const agencyBucket = (agency: AgencyCode) => `agency_${agency}`;

export type EventAddress = {
  county: string;
  agency: AgencyCode;
  kind: AggregateKind;
  id: string;
  to?: AgencyCode | undefined;
  /** Another county of the region: the event crosses the county line. */
  toCounty?: string | undefined;
};

export function eventSubject(a: EventAddress): string {
  const home = `${EVENTS_ROOT}.${a.county}.${a.agency}.${a.kind}.${a.id}.${a.to ?? NO_ADDRESSEE}`;
  return a.toCounty ? `${home}.${a.toCounty}` : home;
}

/**
 * Whether `subject` is `eventSubject(a)`, token by token in place: nothing is built (a rebuild
 * checks every event of the log against its subject, and the subject written out and flattened
 * to compare cost a twentieth of the checking thread's time). The same tokens in the same order
 * as `eventSubject`; a test holds the two to the same answers.
 */
export function isEventSubject(subject: string, a: EventAddress): boolean {
  let at = tokenAt(subject, 0, EVENTS_ROOT);
  at = tokenAt(subject, at, a.county);
  at = tokenAt(subject, at, a.agency);
  at = tokenAt(subject, at, a.kind);
  at = tokenAt(subject, at, a.id);
  at = tokenAt(subject, at, a.to ?? NO_ADDRESSEE);
  if (a.toCounty) at = tokenAt(subject, at, a.toCounty);
  return at === subject.length + 1;
}

/**
 * Where the token after `token` starts, when `subject` has `token` at `at` followed by a dot or
 * its end (one past its end then); -2 otherwise, and from then on.
 */
function tokenAt(subject: string, at: number, token: string): number {
  if (at < 0 || !subject.startsWith(token, at)) return -2;
  const end = at + token.length;
  return end === subject.length || subject.charCodeAt(end) === DOT ? end + 1 : -2;
}

const DOT = 46;

/**
 * Aggregates both counties write to once they cross a county line: a cross-border referral's
 * steps are taken on either side. Any other aggregate is written by its own county only, even
 * when copies of its events are addressed across the line (a lead shared with a neighbour).
 */
export const SHARED_ACROSS_KINDS: ReadonlySet<string> = new Set<AggregateKind>(["referral"]);

/**
 * Every event of one aggregate, whoever published it (for per-aggregate concurrency). An
 * aggregate of this county: its events here, addressed in the county or across the line. One
 * that crosses a county line (a cross-border referral) has all its events, from both
 * counties, under the longer form.
 */
export function aggregateSubjects(
  county: string,
  kind: AggregateKind,
  id: string,
  crossBorder = false,
): string {
  return crossBorder
    ? `${EVENTS_ROOT}.*.*.${kind}.${id}.*.*`
    : `${EVENTS_ROOT}.${county}.*.${kind}.${id}.>`;
}

/** An aggregate's events in this county addressed within it only (the shorter form). */
export function homeAggregateSubjects(county: string, kind: AggregateKind, id: string): string {
  return `${EVENTS_ROOT}.${county}.*.${kind}.${id}.*`;
}

/** What one agency published of an aggregate in its county (all of it, for an aggregate it alone writes). */
export function publisherAggregateSubjects(
  county: string,
  agency: AgencyCode,
  kind: AggregateKind,
  id: string,
): string {
  return `${EVENTS_ROOT}.${county}.${agency}.${kind}.${id}.>`;
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
  if ((t.length !== 7 && t.length !== 8) || t[0] !== "ld" || t[1] !== "ev") return undefined;
  const [, , county, agency, kind, id, to, toCounty] = t as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const parsed: ParsedSubject = {
    county,
    agency,
    kind,
    id,
    to: to === NO_ADDRESSEE ? undefined : to,
  };
  if (toCounty !== undefined) parsed.toCounty = toCounty;
  return parsed;
}

/**
 * The county's register of named officers (`officer.*`, recorded by the office): what every
 * service of the county reads, and the one part of another's subjects an agency may read.
 */
export function officerRegisterSubjects(county: string): string {
  return `${EVENTS_ROOT}.${county}.office.officer.>`;
}
