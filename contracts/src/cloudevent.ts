// The bus envelope as a CloudEvents 1.0 event, and back: a pure mapping for whoever hands
// Liandong's events to CloudEvents tooling. The envelope itself keeps its names (README,
// "Events and CloudEvents"): its camel-case fields and the `aggregate` object are what every
// service, the audit chain's stored bytes and the subjects are built on, and CloudEvents allows
// neither in an extension attribute.
import { Envelope } from "./envelope.ts";

/** Prefix of every event type as CloudEvents names it: reverse-DNS of the project. */
export const CLOUDEVENT_TYPE_PREFIX = "cn.liandong.";

/**
 * The envelope's own attributes as CloudEvents extension attributes: lower-case letters and
 * digits only, at most 20 characters (the spec's advice), and each a string.
 */
export const CLOUDEVENT_EXTENSIONS = {
  county: "liandongcounty",
  agency: "liandongagency",
  actor: "liandongactor",
  aggregateKind: "liandongkind",
  aggregateId: "liandongaggregate",
  to: "liandongto",
  toCounty: "liandongtocounty",
  correlationId: "liandongcorrelation",
  causationId: "liandongcausation",
  prev: "liandongprev",
} as const;

const X = CLOUDEVENT_EXTENSIONS;

/** A Liandong event in CloudEvents 1.0's structured JSON form. */
export type LiandongCloudEvent = {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: "application/json";
  dataschema?: string;
  data: unknown;
} & { [K in (typeof X)[keyof typeof X]]?: string };

/** `lead.reported` → `cn.liandong.lead.reported`. */
export function cloudEventType(type: string): string {
  return CLOUDEVENT_TYPE_PREFIX + type;
}

/** Pure: the envelope as a CloudEvent. A first event's `prev` (null) is left out. */
export function toCloudEvent(e: Envelope): LiandongCloudEvent {
  return {
    specversion: "1.0",
    id: e.id,
    source: e.source,
    type: cloudEventType(e.type),
    time: e.time,
    subject: e.subject,
    datacontenttype: "application/json",
    ...(e.dataschema !== undefined ? { dataschema: e.dataschema } : {}),
    [X.county]: e.county,
    [X.agency]: e.agency,
    [X.actor]: e.actor,
    [X.aggregateKind]: e.aggregate.kind,
    [X.aggregateId]: e.aggregate.id,
    ...(e.to !== undefined ? { [X.to]: e.to } : {}),
    ...(e.toCounty !== undefined ? { [X.toCounty]: e.toCounty } : {}),
    [X.correlationId]: e.correlationId,
    ...(e.causationId !== undefined ? { [X.causationId]: e.causationId } : {}),
    ...(e.prev !== null ? { [X.prev]: e.prev } : {}),
    data: e.data,
  };
}

/**
 * Pure: the envelope a CloudEvent made by `toCloudEvent` stands for, validated as any envelope
 * from outside is (a missing or malformed attribute is named in the error).
 */
export function fromCloudEvent(ce: LiandongCloudEvent): ReturnType<typeof Envelope.safeParse> {
  const type = ce.type.startsWith(CLOUDEVENT_TYPE_PREFIX)
    ? ce.type.slice(CLOUDEVENT_TYPE_PREFIX.length)
    : ce.type;
  const present = (name: string, value: string | undefined) =>
    value === undefined ? {} : { [name]: value };
  return Envelope.safeParse({
    specversion: ce.specversion,
    id: ce.id,
    source: ce.source,
    type,
    time: ce.time,
    subject: ce.subject,
    ...present("dataschema", ce.dataschema),
    county: ce[X.county],
    agency: ce[X.agency],
    actor: ce[X.actor],
    aggregate: { kind: ce[X.aggregateKind], id: ce[X.aggregateId] },
    ...present("to", ce[X.to]),
    ...present("toCounty", ce[X.toCounty]),
    correlationId: ce[X.correlationId],
    ...present("causationId", ce[X.causationId]),
    prev: ce[X.prev] ?? null,
    data: ce.data,
  });
}
