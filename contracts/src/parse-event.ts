import { type BusEvent, CATALOGUE, isEventType } from "./catalogue.ts";
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

/** Validates an envelope and its data against the catalogue. Failures are data, not throws. */
export function parseEvent(raw: unknown): ParseResult {
  const env = Envelope.safeParse(raw);
  if (!env.success) {
    return { ok: false, reason: "invalid-envelope", issues: issuesOf(env.error) };
  }
  const { type } = env.data;
  if (!isEventType(type)) {
    return {
      ok: false,
      reason: "unknown-type",
      issues: [{ path: "type", message: `unknown event type ${type}` }],
    };
  }
  const data = CATALOGUE[type].safeParse(env.data.data);
  if (!data.success) {
    return { ok: false, reason: "invalid-data", issues: issuesOf(data.error, "data") };
  }
  // The envelope zod returned is a fresh object: its data is replaced, not copied around it.
  const event = env.data;
  event.data = data.data;
  return { ok: true, event: event as BusEvent };
}
