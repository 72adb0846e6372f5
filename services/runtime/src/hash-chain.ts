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
    let claimed: unknown;
    try {
      claimed = (JSON.parse(Buffer.from(link.bytes).toString("utf8")) as { prev?: unknown }).prev;
    } catch {
      return { ok: false, checked, seq: link.seq, reason: "unreadable" };
    }
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
