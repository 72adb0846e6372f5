import { z } from "zod";
import { type BusEvent, CATALOGUE, type EventType, isEventType } from "./catalogue.ts";
import { Envelope } from "./envelope.ts";

export type ParseFailure = {
  ok: false;
  reason: string;
  issues: { path: string; message: string }[];
};
export type ParseResult = { ok: true; event: BusEvent } | ParseFailure;

function issuesOf(
  error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  prefix = "",
) {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join("."),
    message: i.message,
  }));
}

/**
 * One schema per event type: the envelope with its `type` fixed and its `data` the catalogue's
 * schema, compiled ahead of time (`z.compile`: the same schema, the same verdicts and output,
 * without the interpreter). Chosen by `type` in one lookup; built on first use, so a service
 * pays only for the types it reads.
 */
const compiled = new Map<string, z.ZodType>();

function compileEventSchema(type: EventType): z.ZodType {
  const schema = z.compile(Envelope.extend({ type: z.literal(type), data: CATALOGUE[type] }));
  compiled.set(type, schema);
  return schema;
}

const compiledData = new Map<string, z.ZodType>();

/**
 * The catalogue's schema of one event type's data, compiled (as above): what a publisher
 * validates with. The same verdicts and output as `CATALOGUE[type]`.
 */
export function dataSchemaOf<T extends EventType>(type: T): (typeof CATALOGUE)[T] {
  let schema = compiledData.get(type);
  if (!schema) {
    schema = z.compile(CATALOGUE[type]);
    compiledData.set(type, schema);
  }
  return schema as (typeof CATALOGUE)[T];
}

/** Validates an envelope and its data against the catalogue. Failures are data, not throws. */
export function parseEvent(raw: unknown): ParseResult {
  // The whole event at once, by its type's schema: what (nearly) every message takes.
  const type =
    typeof raw === "object" && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (typeof type === "string") {
    const schema = compiled.get(type) ?? (isEventType(type) ? compileEventSchema(type) : undefined);
    const whole = schema?.safeParse(raw);
    if (whole?.success) return ofItsAggregate(whole.data as BusEvent);
  }
  // A message that fails is checked again in two steps, to say which part is wrong.
  return explainFailure(raw);
}

/** zod's Chinese messages, for whoever reads why an event was set aside (a dead letter, verify). */
let zhCN: z.core.$ZodErrorMap | undefined;

function explainFailure(raw: unknown): ParseResult {
  zhCN ??= z.locales.zhCN().localeError;
  const env = Envelope.safeParse(raw, { error: zhCN });
  if (!env.success) {
    return { ok: false, reason: "invalid-envelope", issues: issuesOf(env.error) };
  }
  const { type } = env.data;
  if (!isEventType(type)) {
    return {
      ok: false,
      reason: "unknown-type",
      issues: [{ path: "type", message: `未知的事件类型 ${type}` }],
    };
  }
  const data = CATALOGUE[type].safeParse(env.data.data, { error: zhCN });
  if (!data.success) {
    return { ok: false, reason: "invalid-data", issues: issuesOf(data.error, "data") };
  }
  // Should the per-type schema ever refuse what the two steps accept, their answer stands.
  const event = env.data;
  event.data = data.data;
  return ofItsAggregate(event as BusEvent);
}

/** The aggregate kind an event type belongs to: its first part (`referral.accepted`: referral). */
export function aggregateKindOf(type: EventType): string {
  return type.slice(0, type.indexOf("."));
}

/** An event stands only under its own kind of aggregate: no referral step recorded on a lead. */
function ofItsAggregate(event: BusEvent): ParseResult {
  const kind = aggregateKindOf(event.type);
  if (event.aggregate.kind === kind) return { ok: true, event };
  return {
    ok: false,
    reason: "wrong-aggregate",
    issues: [
      {
        path: "aggregate.kind",
        message: `${event.type} 属于 ${kind} 聚合，不属于 ${event.aggregate.kind}`,
      },
    ],
  };
}
