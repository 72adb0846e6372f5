import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CATALOGUE, EVENT_TYPES, type EventType } from "./catalogue.ts";
import { AggregateKind, Envelope } from "./envelope.ts";
import { jsonSchema } from "./openapi.ts";
import { EVENTS_ROOT, NO_ADDRESSEE } from "./subjects.ts";

const channelName = (type: string) => type.replace(/\./g, "-");

/**
 * AsyncAPI 3.0's default schema format extends draft-07, not 2020-12: a tuple written as
 * 2020-12 (`prefixItems` with `items: false`) would read there as "no items at all".
 */
const payload = (schema: z.ZodType) => jsonSchema(schema, "output", "draft-07");

/** `Nats-Msg-Id` starts with the publishing agency's code. */
const msgIdPattern = () =>
  `${(payload(AgencyCode) as { pattern: string }).pattern.replace(/\$$/, "")}:.+$`;

/** Event types are named `<aggregate kind>.<what happened>`; the kind is also a subject token. */
function kindOf(type: EventType): AggregateKind[] {
  const kind = AggregateKind.safeParse(type.split(".")[0]);
  return kind.success ? [kind.data] : AggregateKind.options;
}

/** Subject tokens every event channel shares; `aggregateKind` is narrowed per channel. */
const SHARED_PARAMETERS = {
  county: {
    description: "发布方所在县的 6 位行政区划代码 (GB/T 2260) — the publisher's county",
    location: "$message.payload#/county",
  },
  agency: {
    description: "发布部门 — the publishing agency; its NATS identity may publish only here",
    location: "$message.payload#/agency",
  },
  aggregateId: {
    description: "聚合 id — the aggregate id (a UUID, or an informant reference)",
    location: "$message.payload#/aggregate/id",
  },
  to: {
    description: `收件部门，或 \`${NO_ADDRESSEE}\`（无收件方）— the addressee agency, or \`${NO_ADDRESSEE}\` for none; each agency's inbox stream sources the events addressed to it`,
    location: "$message.payload#/to",
  },
};
const shared = (name: keyof typeof SHARED_PARAMETERS) => ({
  $ref: `#/components/parameters/${name}`,
});

const eventParameters = (type: EventType) => ({
  county: shared("county"),
  agency: shared("agency"),
  aggregateKind: {
    enum: kindOf(type),
    description: "聚合类型 — the aggregate kind",
    location: "$message.payload#/aggregate/kind",
  },
  aggregateId: shared("aggregateId"),
  to: shared("to"),
});

const eventHeaders = (type: EventType) => ({
  type: "object",
  properties: {
    "Nats-Msg-Id": {
      type: "string",
      pattern: msgIdPattern(),
      description:
        "`<agency>:<event id>`: JetStream's dedup window is stream-wide, so ids are namespaced by the publishing agency; a retry reuses it",
    },
    "Liandong-Event-Type": { type: "string", const: type },
    "Nats-Expected-Last-Subject-Sequence": {
      type: "string",
      pattern: "^[0-9]+$",
      description: "optimistic concurrency: the stream sequence of the aggregate's last event",
    },
    "Nats-Expected-Last-Subject-Sequence-Subject": {
      type: "string",
      description: "the (wildcard) subject the expected sequence applies to: the whole aggregate",
    },
  },
  required: ["Nats-Msg-Id", "Liandong-Event-Type"],
});

/**
 * The bus as an AsyncAPI 3.0 document, generated from the same schemas as the catalogue: one
 * channel and message per event type, each payload the envelope with that type's `data`, and
 * the dead-letter channel.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) {
    const name = channelName(type);
    messages[name] = {
      name: type,
      title: type,
      contentType: "application/json",
      headers: eventHeaders(type),
      payload: payload(Envelope.extend({ type: z.literal(type), data: CATALOGUE[type] })),
    };
    channels[name] = {
      address: `${EVENTS_ROOT}.{county}.{agency}.{aggregateKind}.{aggregateId}.{to}`,
      title: type,
      description: `${type} events. The subject carries what the server authenticates or filters on; the event type travels in the envelope and a header.`,
      parameters: eventParameters(type),
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`send-${name}`] = {
      action: "send",
      channel: { $ref: `#/channels/${name}` },
      summary: `发布 — publish ${type} (only under the publisher's own county and agency tokens)`,
      messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
    };
    operations[`receive-${name}`] = {
      action: "receive",
      channel: { $ref: `#/channels/${name}` },
      summary: `接收 — consume ${type} from an agency's inbox or the office's view; acknowledged after the work is done`,
      messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
    };
  }
  channels["dead-letters"] = {
    address: "ld.dlq.{agency}.{reason}",
    title: "死信 dead letters",
    description:
      "A message one agency's consumer can never process, with its original bytes unchanged.",
    parameters: {
      agency: {
        description: "the agency whose consumer rejected the message",
        examples: ["health"],
      },
      reason: {
        description:
          "why it was rejected: a validation failure, a subject that disagrees with the envelope, retries exhausted, or a handler's permanent error code",
        examples: [
          "malformed-json",
          "invalid-envelope",
          "unknown-type",
          "invalid-data",
          "subject-mismatch",
          "retries-exhausted",
        ],
        location: "$message.header#/Liandong-Dlq-Reason",
      },
    },
    messages: { "dead-letter": { $ref: "#/components/messages/dead-letter" } },
  };
  messages["dead-letter"] = {
    name: "dead-letter",
    title: "死信 dead letter",
    contentType: "application/octet-stream",
    headers: {
      type: "object",
      properties: {
        "Nats-Msg-Id": {
          type: "string",
          description: "`<agency>:dlq:<stream>:<consumer>:<seq>`: one dead letter per delivery",
        },
        "Liandong-Dlq-Reason": {
          type: "string",
          description: "why, as a stable code (the problem catalogue's, or a check's)",
        },
        "Liandong-Dlq-Refusal": {
          type: "string",
          description:
            "for a step the domain refused: the refusal's code and the codes of what it rests on, outermost first, space-separated (`step.not-recordable informant.sealed`)",
        },
        "Liandong-Dlq-Detail": {
          type: "string",
          description:
            "why, in Chinese for the IT person who reads it: the reason's title, then the refusal or the validation issues or error, truncated",
        },
        "Liandong-Original-Subject": { type: "string" },
        "Liandong-Original-Stream": { type: "string" },
        "Liandong-Original-Seq": { type: "string", pattern: "^[0-9]+$" },
        "Liandong-Consumer": { type: "string", description: "the durable consumer that gave up" },
      },
      required: ["Liandong-Dlq-Reason", "Liandong-Original-Subject"],
    },
    payload: { description: "the original message bytes, unchanged" },
  };
  operations["send-dead-letter"] = {
    action: "send",
    channel: { $ref: "#/channels/dead-letters" },
    summary: "死信 — a consumer sets aside a message that can never succeed",
    messages: [{ $ref: "#/channels/dead-letters/messages/dead-letter" }],
  };
  return {
    asyncapi: "3.0.0",
    info: {
      title: "联动 Liandong — 总线事件 (bus events)",
      version: "0.1.0",
      description:
        "Typed events on NATS JetStream. Subject tokens (county, agency, aggregate, addressee) are what server permissions authenticate; headers and payload fields can be forged, so consumers check the envelope against its subject.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages, parameters: SHARED_PARAMETERS },
  };
}
