/**
 * Checking one event as it arrives from the stream: decoded, validated against the catalogue and
 * its subject, and (given the keys) its seal. Apart from the consumer (no NATS client here): the
 * rebuild's checking thread (`check-worker.ts`) loads only what it runs.
 */
import { type BusEvent, isEventSubject, parseEvent } from "@liandong/contracts";
import { say } from "@liandong/domain/refusals";
import { type SealKeys, sealProblem } from "./seal.ts";

const decoder = new TextDecoder();

/** The dead-letter reason (and verify's finding) for an event its claimed publisher did not seal. */
export const NOT_PUBLISHED_BY_AGENCY = "not-published-by-agency";

/** `refusal`: the catalogue's code of why, when it has one (a seal: `seal.*`). */
export type Verdict =
  | { ok: true; event: BusEvent }
  | { ok: false; reason: string; detail: string; refusal?: string };

/**
 * Decodes and validates one message, and checks its three witnesses: the envelope's county and
 * agency against the subject's, and (given the keys) the seal its publisher made against the
 * claimed agency's key. `hash`: the bytes' SHA-256, when the caller has it already.
 */
export function checkMessage(
  subject: string,
  data: Uint8Array,
  keys?: SealKeys,
  seal?: string,
  hash?: string,
): Verdict {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (err) {
    return { ok: false, reason: "malformed-json", detail: String(err) };
  }
  return checkParsed(subject, raw, data, keys, seal, hash);
}

/** `checkMessage` of bytes already parsed (`raw`, what `JSON.parse` made of `data`; left as it is). */
export function checkParsed(
  subject: string,
  raw: unknown,
  data: Uint8Array,
  keys?: SealKeys,
  seal?: string,
  hash?: string,
): Verdict {
  const parsed = parseEvent(raw);
  if (!parsed.ok)
    return {
      ok: false,
      reason: parsed.reason,
      detail: parsed.issues.map((i) => `${i.path || "（整体）"}：${i.message}`).join("；"),
    };
  const e = parsed.event;
  // The subject the envelope names, compared whole (in place: `isEventSubject`): once the envelope
  // is valid none of its tokens holds a dot and its addressee is never `_`, so this is the
  // token-by-token check, unsplit.
  const named = {
    county: e.county,
    agency: e.agency,
    kind: e.aggregate.kind,
    id: e.aggregate.id,
    to: e.to,
    toCounty: e.toCounty,
  };
  if (!isEventSubject(subject, named)) {
    return {
      ok: false,
      reason: "subject-mismatch",
      detail: `主题为 ${subject}`,
    };
  }
  if (keys) {
    const problem = sealProblem(keys, e, subject, data, seal, hash);
    if (problem)
      return {
        ok: false,
        reason: NOT_PUBLISHED_BY_AGENCY,
        detail: say(problem, "zh"),
        refusal: problem.code,
      };
  }
  return { ok: true, event: e };
}
