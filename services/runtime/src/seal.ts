import {
  AuditCheckpoint,
  type CountyConfig,
  checkpointSigningText,
  eventSealText,
} from "@liandong/contracts";
import { sha256Hex } from "./hash.ts";
import type { Signer } from "./signing.ts";
import { verifySignature } from "./signing.ts";

/**
 * Sealing at the source (封签). An agency's publisher signs every event as it publishes it, with
 * the agency's own key, over the subject it goes on and the SHA-256 of its bytes; the signature
 * travels in the `Liandong-Seal` header and is stored with the event. Whoever reads the event
 * checks three witnesses that must be one identity: the envelope's county and agency, the
 * subject's county and agency (both checked by `checkMessage`), and the key that sealed it.
 * Nobody but the agency's own code holds its key, so an event someone else put on its subjects
 * (an operator with the county's admin identity, another agency through a misconfiguration) is
 * refused, whatever its envelope says.
 */

/** The public key an event of `county`'s `agency` must be sealed with; undefined when unknown. */
export type SealKeys = (county: string, agency: string) => string | undefined;

/** The keys a service checks seals with: its own county's agencies and its neighbours'. */
export function sealKeysOf(
  config: Pick<CountyConfig, "county" | "auditKeys" | "region">,
): SealKeys {
  const own = config.auditKeys;
  const neighbours = config.region.keys;
  return (county, agency) =>
    county === config.county ? own[agency] : neighbours[county]?.[agency];
}

/** The seal of an event published on `subject`, whose bytes hash to `hash` (hex). */
export function sealOf(signer: Signer, subject: string, hash: string): string {
  return signer.sign(eventSealText(subject, hash));
}

/** Why an event is not its claimed publisher's: undefined when its seal verifies. */
export function sealProblem(
  keys: SealKeys,
  e: { county: string; agency: string },
  subject: string,
  bytes: Uint8Array,
  seal: string | undefined,
  hash?: string,
): string | undefined {
  const key = keys(e.county, e.agency);
  if (key === undefined) return `no public key is known for ${e.county} ${e.agency}`;
  if (!seal) return `not sealed by ${e.agency}'s publisher (no ${"Liandong-Seal"} header)`;
  const text = eventSealText(subject, hash ?? sha256Hex(bytes));
  return verifySignature(key, text, seal)
    ? undefined
    : `its seal does not verify with ${e.county} ${e.agency}'s key`;
}

/** How far past the next sealed event an event is looked for (events gone from the log). */
const LOOK_AHEAD = 64;

/**
 * Seals taken on a checkpoint's word, for a reader catching up on a long log (the office's
 * rebuild): an agency's checkpoints list the hashes of its events in the order the stream
 * stored them, so an event whose hash is the next one its agency's checkpoints sealed is that
 * agency's without checking its own signature (the checkpoint's covers it). Anything else is
 * checked by its seal.
 */
export class SealedAhead {
  readonly #queues = new Map<string, { hashes: string[]; next: number }>();

  /** The hashes (first 32 hex digits) a verified checkpoint of `county`'s `agency` sealed, in order. */
  add(county: string, agency: string, hashes: readonly string[]): void {
    const key = `${county}.${agency}`;
    const q = this.#queues.get(key);
    if (q) q.hashes.push(...hashes);
    else this.#queues.set(key, { hashes: [...hashes], next: 0 });
  }

  /**
   * Whether `hash` is the next event sealed for `county`'s `agency`, or one of the few after it
   * (an event gone from the log): moves past it.
   */
  take(county: string, agency: string, hash: string): boolean {
    const q = this.#queues.get(`${county}.${agency}`);
    if (!q || q.next >= q.hashes.length) return false;
    const h = hash.slice(0, 32);
    let at = q.next;
    const end = Math.min(q.hashes.length, q.next + LOOK_AHEAD);
    while (at < end && q.hashes[at] !== h) at++;
    if (at === end) return false;
    q.next = at + 1;
    if (q.next === q.hashes.length) this.#queues.delete(`${county}.${agency}`);
    return true;
  }
}

/**
 * A checkpoint as stored (its envelope's bytes under `subject`), verified with its agency's key:
 * the checkpoint, or why it is not one of that agency's.
 */
export function verifiedCheckpoint(
  keys: SealKeys,
  subject: string,
  bytes: Uint8Array,
): { ok: true; county: string; checkpoint: AuditCheckpoint } | { ok: false; problem: string } {
  const [, , county = "", agency = ""] = subject.split(".");
  let checkpoint: AuditCheckpoint;
  let prev: string | null;
  try {
    const envelope = JSON.parse(new TextDecoder().decode(bytes)) as {
      prev: string | null;
      data: unknown;
    };
    checkpoint = AuditCheckpoint.parse(envelope.data);
    prev = envelope.prev;
  } catch (err) {
    return { ok: false, problem: `unreadable checkpoint: ${String(err).slice(0, 200)}` };
  }
  const key = keys(county, agency);
  if (checkpoint.agency !== agency)
    return {
      ok: false,
      problem: `checkpoint names ${checkpoint.agency} but stands under ${agency}`,
    };
  if (key === undefined) return { ok: false, problem: `no public key for ${county} ${agency}` };
  if (checkpoint.key !== key)
    return { ok: false, problem: `signed with key ${checkpoint.key}, not ${agency}'s ${key}` };
  if (!verifySignature(key, checkpointSigningText(county, checkpoint, prev), checkpoint.signature))
    return { ok: false, problem: `signature does not verify with ${agency}'s key` };
  return { ok: true, county, checkpoint };
}
