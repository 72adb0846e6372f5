import { sha256Hex } from "./hash.ts";

/** `subject`: where the stream stored it (needed only to tell a crossing across a county line). */
export type ChainLink = { seq: number; bytes: Uint8Array; subject?: string };
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
  // Across a county line: the event before the head, the head's county, the addressee's county.
  let before: string | null = null;
  let headCounty: string | undefined;
  let addressee: string | undefined;
  for (const link of links) {
    const claimed = claimedPrev(link.bytes);
    if (claimed === UNREADABLE) return { ok: false, checked, seq: link.seq, reason: "unreadable" };
    const t = link.subject?.split(".");
    const county = t?.[2];
    if (claimed !== prev) {
      // A crossing: both parties stepped from the same event, each in its own county; the
      // addressee's step is the head from then on (its log decides), the other has no effect.
      if (addressee && t?.length === 8 && claimed === before && county !== headCounty) {
        if (county === addressee) {
          prev = sha256Hex(link.bytes);
          headCounty = county;
        }
        checked++;
        continue;
      }
      return {
        ok: false,
        checked,
        seq: link.seq,
        reason: checked === 0 ? "bad-start" : "broken-link",
      };
    }
    if (checked === 0 && t?.length === 8) addressee = t[7];
    before = prev;
    prev = sha256Hex(link.bytes);
    headCounty = county;
    checked++;
  }
  return { ok: true, checked, head: prev };
}

export const UNREADABLE = Symbol("unreadable");
const PREV = Buffer.from('"prev":');

/**
 * The `prev` an event claims. The runtime writes `prev` as a top-level key before `data`, and
 * a quote inside any string value is escaped, so the first `"prev":` in the bytes is that key:
 * reading it there spares a full parse of every event of a year's log. Anything else is parsed.
 */
/**
 * How far to move on when the byte under the pattern's last place is this one (Horspool): from
 * its last place in `"prev"` to the pattern's end, or the pattern's whole length.
 */
const SKIP = new Uint8Array(256).fill(7);
for (let k = 0; k < 6; k++) SKIP[PREV[k]!] = 6 - k;

/**
 * Where `"prev":` first occurs (from `from`). A loop beats a native search's call cost on short
 * events, and looking at the last byte of each place first lets it skip most of an envelope's
 * bytes (the verifier reads a million events' links with it).
 */
export function indexOfPrev(buf: Uint8Array, from = 0): number {
  const end = buf.length - PREV.length;
  let i = from;
  while (i <= end) {
    const last = buf[i + 6]!;
    if (
      last === 0x3a &&
      buf[i] === 0x22 &&
      buf[i + 1] === 0x70 &&
      buf[i + 2] === 0x72 &&
      buf[i + 3] === 0x65 &&
      buf[i + 4] === 0x76 &&
      buf[i + 5] === 0x22
    )
      return i;
    i += SKIP[last]!;
  }
  return -1;
}

export function claimedPrev(bytes: Uint8Array): string | null | typeof UNREADABLE {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = indexOfPrev(buf);
  if (at >= 0) {
    const v = at + PREV.length;
    // `null`, or a quoted 64-character value: a value that is not a hash matches no hash.
    if (buf[v] === 0x6e && buf[v + 1] === 0x75 && buf[v + 2] === 0x6c && buf[v + 3] === 0x6c)
      return null;
    if (buf[v] === 0x22 && buf[v + 65] === 0x22) return buf.toString("latin1", v + 1, v + 65);
  }
  try {
    const prev = (JSON.parse(buf.toString("utf8")) as { prev?: unknown }).prev;
    return typeof prev === "string" || prev === null ? prev : UNREADABLE;
  } catch {
    return UNREADABLE;
  }
}
