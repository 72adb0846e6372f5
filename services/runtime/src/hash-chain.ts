import { sha256Hex } from "./hash.ts";

export type ChainLink = { seq: number; bytes: Uint8Array };
export type ChainFinding =
  | { ok: true; checked: number; head: string | null }
  | { ok: false; checked: number; seq: number; reason: "unreadable" | "broken-link" | "bad-start" };

/**
 * Checks that each event of one aggregate links to the hash of the event before it, in the
 * order the stream stored them; the first must link to nothing. A changed payload breaks the
 * link of the event after it; a removed or reordered event breaks the link where it was.
 * Names the first bad event.
 */
export function verifyChain(links: readonly ChainLink[]): ChainFinding {
  let prev: string | null = null;
  let checked = 0;
  for (const link of links) {
    const claimed = claimedPrev(link.bytes);
    if (claimed === UNREADABLE) return { ok: false, checked, seq: link.seq, reason: "unreadable" };
    if (claimed !== prev) {
      return {
        ok: false,
        checked,
        seq: link.seq,
        reason: checked === 0 ? "bad-start" : "broken-link",
      };
    }
    prev = sha256Hex(link.bytes);
    checked++;
  }
  return { ok: true, checked, head: prev };
}

export const UNREADABLE = Symbol("unreadable");
const PREV = Buffer.from('"prev":');
const NULL = Buffer.from("null");

/**
 * The `prev` an event claims. The runtime writes `prev` as a top-level key before `data`, and
 * a quote inside any string value is escaped, so the first `"prev":` in the bytes is that key:
 * reading it there spares a full parse of every event of a year's log. Anything else is parsed.
 */
export function claimedPrev(bytes: Uint8Array): string | null | typeof UNREADABLE {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = buf.indexOf(PREV);
  if (at >= 0) {
    const v = at + PREV.length;
    if (buf.subarray(v, v + 4).equals(NULL)) return null;
    if (buf[v] === 0x22 && buf[v + 65] === 0x22) {
      const hex = buf.toString("latin1", v + 1, v + 65);
      if (/^[0-9a-f]{64}$/.test(hex)) return hex;
    }
  }
  try {
    const prev = (JSON.parse(buf.toString("utf8")) as { prev?: unknown }).prev;
    return typeof prev === "string" || prev === null ? prev : UNREADABLE;
  } catch {
    return UNREADABLE;
  }
}
