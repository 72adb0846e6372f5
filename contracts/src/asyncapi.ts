import { z } from "zod";
import { CATALOGUE, EVENT_TYPES } from "./catalogue.ts";
import { Envelope } from "./envelope.ts";
import { jsonSchema } from "./openapi.ts";

const channelName = (type: string) => type.replace(/\./g, "-");

/**
 * The bus channels as an AsyncAPI 3.0 document, generated from the same schemas as the
 * catalogue: one channel and message per event type, each payload the envelope with that
 * type's `data`.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const parameters = {
    county: { description: "发布方所在县的 6 位行政区划代码 (GB/T 2260)" },
    agency: {
      description: "发布部门 — the publishing agency; its NATS identity may publish only here",
    },
    aggregateKind: { enum: ["lead", "referral", "case", "informant"], description: "聚合类型" },
    aggregateId: { description: "聚合 id (UUID)" },
    to: { description: "收件部门，或 `_`（无收件方）— addressee agency, or `_`" },
  };
  for (const type of EVENT_TYPES) {
    const name = channelName(type);
    messages[name] = {
      name: type,
      title: type,
      contentType: "application/json",
      headers: {
        type: "object",
        properties: {
          "Nats-Msg-Id": {
            type: "string",
            description: "`<agency>:<event id>`: the dedup window is stream-wide",
          },
          "Liandong-Event-Type": { type: "string", const: type },
        },
        required: ["Nats-Msg-Id", "Liandong-Event-Type"],
      },
      payload: jsonSchema(
        Envelope.extend({ type: z.literal(type), data: CATALOGUE[type] }),
        "output",
      ),
    };
    channels[name] = {
      address: "ld.ev.{county}.{agency}.{aggregateKind}.{aggregateId}.{to}",
      description: `${type} events (the event type travels in the envelope and a header)`,
      parameters,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`send-${name}`] = {
      action: "send",
      channel: { $ref: `#/channels/${name}` },
      summary: `publish ${type}`,
    };
    operations[`receive-${name}`] = {
      action: "receive",
      channel: { $ref: `#/channels/${name}` },
      summary: `consume ${type} from an inbox or the office's view`,
    };
  }
  channels["dead-letters"] = {
    address: "ld.dlq.{agency}.{reason}",
    description: "死信 — a message that can never succeed, with its original bytes",
    parameters: {
      agency: { description: "the consuming agency" },
      reason: { description: "why it was rejected" },
    },
    messages: { "dead-letter": { $ref: "#/components/messages/dead-letter" } },
  };
  messages["dead-letter"] = {
    name: "dead-letter",
    contentType: "application/octet-stream",
    headers: {
      type: "object",
      properties: {
        "Liandong-Dlq-Reason": { type: "string" },
        "Liandong-Dlq-Detail": { type: "string" },
        "Liandong-Original-Subject": { type: "string" },
        "Liandong-Original-Stream": { type: "string" },
        "Liandong-Original-Seq": { type: "string" },
      },
    },
    payload: { description: "the original message bytes, unchanged" },
  };
  operations["send-dead-letter"] = { action: "send", channel: { $ref: "#/channels/dead-letters" } };
  return {
    asyncapi: "3.0.0",
    info: { title: "联动 Liandong — 总线事件 (bus events)", version: "0.1.0" },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages },
  };
}
