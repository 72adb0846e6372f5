import { hash as oneShot } from "node:crypto";
import {
  AuditCheckpoint,
  agencyLabel,
  type CountyConfig,
  checkpointSigningText,
  countyLabel,
  eventSealText,
  eventsSealText,
} from "@liandong/contracts";
import type { Refusal } from "@liandong/domain";
// The catalogue alone (not the whole domain): a rebuild's checking thread loads this file.
import { type Said, said } from "@liandong/domain/refusals";
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
  const seal = signer.sign(eventSealText(subject, hash));
  sealMade(signer.publicKey, subject, hash, seal);
  return seal;
}

/**
 * Lone seals this process made itself, by the hash they seal: its own consumers read its events
 * back (an agency's own-events consumer, every one it publishes), and checking such a seal would
 * only redo the signing's arithmetic (ed25519 is deterministic: a seal made with the key of
 * `publicKey` over that subject and hash verifies with it). It counts only for the very key,
 * subject and seal it was made with; anything else is checked. A batch's seals are not kept:
 * the batch's signature is checked once for all its events (`verifiedBatches`), and keeping
 * every event of a burst would cost the publisher more than it saves. Bounded: past the bound,
 * seals are checked again.
 */
const madeSeals = new Map<string, { publicKey: string; subject: string; seal: string }>();
const MADE_SEALS = 4096;
function sealMade(publicKey: string, subject: string, hash: string, seal: string): void {
  if (madeSeals.size >= MADE_SEALS) madeSeals.clear();
  madeSeals.set(hash, { publicKey, subject, seal });
}

/**
 * A batch seal's signature and hashes as its header carries them (`b2.`): base64url, with `~`
 * written for every `N`. nats-server looks for each header of its own (`Nats-Msg-Id`,
 * `Nats-Expected-…`, `Nats-TTL`, a dozen for every message a stream stores) with `bytes.Index`
 * over the whole header block, which stops at every `N` to compare: the six or so of a random
 * 350-character base64url seal cost it ~1.6–1.9 µs of CPU per event, half of all a seal costs it
 * (the same messages sent with `N` or not, alternating: 16.8–17.8 µs against 15.2–15.9; 14.2–16.6
 * without a seal). `b1.` seals, plain base64url, are still read.
 */
function sealBase64(b64url: string): string {
  // Pieces joined where the `N`s were (half of all hashes have none): a fraction of the time of
  // `replaceAll` (~40 against ~85 ns a hash), made for each of a batch's 126 hashes.
  let at = b64url.indexOf("N");
  if (at < 0) return b64url;
  let text = "";
  let from = 0;
  do {
    text += `${b64url.slice(from, at)}~`;
    from = at + 1;
    at = b64url.indexOf("N", from);
  } while (at >= 0);
  return text + b64url.slice(from);
}
const fromSealBase64 = (text: string): string => text.replaceAll("~", "N");

/** The most events one signature seals: an event's seal then holds at most six hashes. */
export const SEAL_BATCH = 64;

// One-shot hashes (`crypto.hash`), as on every hot path: a leaf is `0x00 ‖ text`, a node `0x01 ‖ l ‖ r`.
const leafOf = (subject: string, hash: string) =>
  oneShot("sha256", `\0${eventSealText(subject, hash)}`, "buffer");
const nodeOf = (left: Buffer, right: Buffer) =>
  oneShot("sha256", Buffer.concat([NODE, left, right], 65), "buffer");
const NODE = Buffer.from([1]);

/**
 * The seals of events published together (at most `SEAL_BATCH`), in their order: one signature
 * over the root of their Merkle tree (`eventsSealText`), and for each event its place and audit
 * path, `b2.<count>.<index>.<signature>.<audit path…>` in `sealBase64`. A lone event gets the
 * plain seal of `sealOf`. Signing costs tens of microseconds; a publisher sending many events at
 * once pays it once.
 */
export function sealsOf(
  signer: Signer,
  events: readonly { subject: string; hash: string }[],
): string[] {
  const n = events.length;
  if (n === 1) return [sealOf(signer, events[0]!.subject, events[0]!.hash)];
  if (n === 0 || n > SEAL_BATCH) throw new RangeError(`seal batch of ${n} events`);
  // The tree's hashes as the seals write them (base64url), never a Buffer of their own: each
  // node's input is written into one scratch buffer, decoded from its children's text.
  const leaves = new Array<string>(n);
  for (let i = 0; i < n; i++)
    leaves[i] = oneShot(
      "sha256",
      `\0${eventSealText(events[i]!.subject, events[i]!.hash)}`,
      "base64url",
    );
  // Each event's seal as its parts, the audit path leaf upward after the signature: joined
  // once into a flat string (not built up a sibling at a time, then copied flat when written).
  const parts: string[][] = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = [`b2.${n}.${i}`, ""];
  const root = Buffer.from(tree(leaves, 0, n, parts), "base64url");
  const signature = sealBase64(signer.sign(eventsSealText(root.toString("hex"), n)));
  const seals = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    p[1] = signature;
    seals[i] = p.join(".");
  }
  return seals;
}

/** `0x01 ‖ left ‖ right`, refilled for each node of a batch's tree (sealing is synchronous). */
const NODE_INPUT = Buffer.alloc(65, 1);

/**
 * The Merkle tree hash (base64url) of `leaves[lo, hi)` (RFC 9162 §2.1.1: the left subtree the
 * largest power of two below the size), adding to each leaf's path the sibling it meets on the
 * way up (in `sealBase64`).
 */
function tree(leaves: string[], lo: number, hi: number, paths: string[][]): string {
  if (hi - lo === 1) return leaves[lo]!;
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  const left = tree(leaves, lo, lo + k, paths);
  const right = tree(leaves, lo + k, hi, paths);
  // Each sibling written for the seals once, however many paths meet it.
  const rightShown = sealBase64(right);
  const leftShown = sealBase64(left);
  for (let i = lo; i < lo + k; i++) paths[i]!.push(rightShown);
  for (let i = lo + k; i < hi; i++) paths[i]!.push(leftShown);
  NODE_INPUT.write(left, 1, 32, "base64url");
  NODE_INPUT.write(right, 33, 32, "base64url");
  return oneShot("sha256", NODE_INPUT, "base64url");
}

/**
 * The root an audit path leads to from leaf `index` of a tree of `count` leaves (RFC 9162
 * §2.1.3.2); undefined when the path does not fit that place in that tree.
 */
function rootOf(leaf: Buffer, index: number, count: number, path: Buffer[]): Buffer | undefined {
  let fn = index;
  let sn = count - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeOf(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeOf(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Batch signatures already checked (key, root, size, signature): the batch's other events cost a path. */
const verifiedBatches = new Set<string>();
const VERIFIED_BATCHES = 4096;

/** True when `seal` is `publicKey`'s seal of an event on `subject` whose bytes hash to `hash`. */
export function sealVerifies(
  publicKey: string,
  subject: string,
  hash: string,
  seal: string,
): boolean {
  const made = madeSeals.get(hash);
  if (made && made.publicKey === publicKey && made.subject === subject && made.seal === seal)
    return true;
  let batchSeal: string;
  if (seal.startsWith("b2.")) {
    // One way to write each b2 seal: an `N` is never its own.
    if (seal.includes("N")) return false;
    batchSeal = fromSealBase64(seal);
  } else if (seal.startsWith("b1.")) batchSeal = seal;
  else return verifySignature(publicKey, eventSealText(subject, hash), seal);
  const [, countText, indexText, signature, ...siblings] = batchSeal.split(".");
  const count = Number(countText);
  const index = Number(indexText);
  if (
    !signature ||
    !Number.isInteger(count) ||
    !Number.isInteger(index) ||
    count < 2 ||
    count > SEAL_BATCH ||
    index < 0 ||
    index >= count ||
    siblings.some((s) => s.length !== 43)
  )
    return false;
  const root = rootOf(
    leafOf(subject, hash),
    index,
    count,
    siblings.map((s) => Buffer.from(s, "base64url")),
  );
  if (!root) return false;
  const rootHex = root.toString("hex");
  const key = `${publicKey} ${count} ${rootHex} ${signature}`;
  if (verifiedBatches.has(key)) return true;
  if (!verifySignature(publicKey, eventsSealText(rootHex, count), signature)) return false;
  if (verifiedBatches.size >= VERIFIED_BATCHES) verifiedBatches.clear();
  verifiedBatches.add(key);
  return true;
}

/**
 * Why an event is not its claimed publisher's (a refusal of the catalogue: `seal.*`, its county
 * and agency named as a person reads them): undefined when its seal verifies.
 */
export function sealProblem(
  keys: SealKeys,
  e: { county: string; agency: string },
  subject: string,
  bytes: Uint8Array,
  seal: string | undefined,
  hash?: string,
): Refusal | undefined {
  const key = keys(e.county, e.agency);
  if (key === undefined)
    return {
      refused: "forbidden",
      ...said("seal.no-key", { county: countyLabel(e.county), agency: agencyLabel(e.agency) }),
    };
  if (!seal)
    return { refused: "forbidden", ...said("seal.missing", { agency: agencyLabel(e.agency) }) };
  return sealVerifies(key, subject, hash ?? sha256Hex(bytes), seal)
    ? undefined
    : {
        refused: "forbidden",
        ...said("seal.not-verified", {
          county: countyLabel(e.county),
          agency: agencyLabel(e.agency),
        }),
      };
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
  /** By `county.agency`: the hash of its latest event taken (sealed ahead or not). */
  readonly #last = new Map<string, string>();
  /** By `county.agency`: the event to skip to, through, as checkpoints are added (`resume`). */
  readonly #resumeAfter = new Map<string, string>();

  /** The hashes (first 32 hex digits) a verified checkpoint of `county`'s `agency` sealed, in order. */
  add(county: string, agency: string, sealed: readonly string[]): void {
    const key = `${county}.${agency}`;
    let hashes = sealed;
    const after = this.#resumeAfter.get(key);
    if (after !== undefined) {
      // Everything up to the last event the snapshot folded is behind the reader: not queued.
      const at = hashes.indexOf(after);
      hashes = at < 0 ? [] : hashes.slice(at + 1);
      if (at >= 0) this.#resumeAfter.delete(key);
    }
    const q = this.#queues.get(key);
    if (q) q.hashes.push(...hashes);
    else this.#queues.set(key, { hashes: [...hashes], next: 0 });
  }

  /**
   * Whether `hash` is the next event sealed for `county`'s `agency`, or one of the few after it
   * (an event gone from the log): moves past it.
   */
  take(county: string, agency: string, hash: string): boolean {
    // Once per event of a rebuild: the key looked up, not written out again; the hash kept
    // whole and compared by its first 32 digits in place (no copy of either made per event).
    const key = this.#key(county, agency);
    this.#last.set(key, hash);
    const q = this.#queues.get(key);
    if (!q || q.next >= q.hashes.length) return false;
    const digits = Math.min(32, hash.length);
    let at = q.next;
    const end = Math.min(q.hashes.length, q.next + LOOK_AHEAD);
    for (; at < end; at++) {
      const sealed = q.hashes[at]!;
      if (sealed.length === digits && hash.startsWith(sealed)) break;
    }
    if (at === end) return false;
    q.next = at + 1;
    if (q.next === q.hashes.length) this.#queues.delete(key);
    return true;
  }

  /** `county.agency`, made once per pair. */
  readonly #keys = new Map<string, Map<string, string>>();
  #key(county: string, agency: string): string {
    let agencies = this.#keys.get(county);
    if (!agencies) {
      agencies = new Map();
      this.#keys.set(county, agencies);
    }
    let key = agencies.get(agency);
    if (key === undefined) {
      key = `${county}.${agency}`;
      agencies.set(agency, key);
    }
    return key;
  }

  /** By `county.agency`: the latest event taken (first 32 hex digits of its hash), for a snapshot. */
  taken(): Record<string, string> {
    return Object.fromEntries([...this.#last].map(([key, h]) => [key, h.slice(0, 32)]));
  }

  /**
   * A reader resuming after the events a snapshot folded (`taken` then): before any checkpoint
   * is added, so that each agency's queue starts after its last event folded.
   */
  resume(taken: Record<string, string>): void {
    for (const [key, h] of Object.entries(taken)) {
      this.#last.set(key, h);
      this.#resumeAfter.set(key, h);
    }
  }
}

/**
 * A checkpoint as stored (its envelope's bytes under `subject`), verified with its agency's key:
 * the checkpoint, or why it is not one of that agency's (the catalogue's `checkpoint.*`).
 */
export function verifiedCheckpoint(
  keys: SealKeys,
  subject: string,
  bytes: Uint8Array,
): { ok: true; county: string; checkpoint: AuditCheckpoint } | { ok: false; problem: Said } {
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
    return {
      ok: false,
      problem: said("checkpoint.unreadable", { error: String(err).slice(0, 200) }),
    };
  }
  const key = keys(county, agency);
  const problem = checkpointProblem(checkpoint, { county, agency, key, prev });
  return problem ? { ok: false, problem } : { ok: true, county, checkpoint };
}

/**
 * Why a checkpoint standing under `county`'s `agency` is not that agency's: it names another, no
 * key is known for it (`key`), another key signed it, or its signature does not verify.
 * Undefined when it is the agency's.
 */
export function checkpointProblem(
  checkpoint: AuditCheckpoint,
  at: { county: string; agency: string; key: string | undefined; prev: string | null },
): Said | undefined {
  const { county, agency, key } = at;
  if (checkpoint.agency !== agency)
    return said("checkpoint.other-agency", {
      named: agencyLabel(checkpoint.agency),
      agency: agencyLabel(agency),
    });
  if (key === undefined)
    return said("seal.no-key", { county: countyLabel(county), agency: agencyLabel(agency) });
  if (checkpoint.key !== key)
    return said("checkpoint.other-key", {
      key: checkpoint.key,
      agency: agencyLabel(agency),
      expected: key,
    });
  if (
    !verifySignature(key, checkpointSigningText(county, checkpoint, at.prev), checkpoint.signature)
  )
    return said("checkpoint.signature", { agency: agencyLabel(agency) });
  return undefined;
}
