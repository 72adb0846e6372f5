import {
  AuditCheckpoint,
  checkpointSigningText,
  EVENTS_ROOT,
  SHARED_ACROSS_KINDS,
} from "@liandong/contracts";
import { z } from "zod";
import { sha256Hex } from "./hash.ts";
import { claimedPrev, indexOfPrev, UNREADABLE } from "./hash-chain.ts";
import { verifySignature } from "./signing.ts";

/** One stored message of a county's EVENTS log, in stream order. */
export type LogEntry = { seq: number; subject: string; bytes: Uint8Array };

export type FindingKind =
  | "changed"
  | "removed"
  | "reordered"
  | "forged"
  | "replayed"
  | "broken-link"
  | "unreadable"
  | "unsealed";

/** What is wrong, and where: the stream sequence and event id of the first bad event. */
export type Finding = {
  kind: FindingKind;
  agency: string;
  /** Stream sequence of the event named (for a removal: of the event that follows the gap). */
  seq: number;
  eventId?: string | undefined;
  /** Position in the agency's chain, where known. */
  position?: number | undefined;
  detail: string;
};

export type AgencySummary = { events: number; sealed: number; checkpoints: number };

export type VerifyReport = {
  ok: boolean;
  events: number;
  checkpoints: number;
  agencies: Record<string, AgencySummary>;
  /** Tampering, ordered by stream sequence: the first is the first bad event. */
  findings: Finding[];
  /** Events after an agency's last checkpoint: not yet sealed, so not yet provable. */
  unsealed: Finding[];
  /**
   * Events of a neighbouring county (区域协作) in this log: their hash links are checked here,
   * their seals in their own county's log (see `crossCheck`).
   */
  foreign: CrossBorderEvent[];
  /** This county's events addressed across the line, as sealed here. */
  outbound: CrossBorderEvent[];
};

export type CrossBorderEvent = { seq: number; county: string; agency: string; hash: string };

type Observed = { seq: number; h: string; id: string };
/**
 * An agency's own events in stream order: sequences, and the sealed hashes (16 bytes) and ids
 * (36 bytes) packed in buffers. A million strings kept for the end cost more in garbage
 * collection than all the hashing.
 */
class ObservedLog {
  readonly seq: number[] = [];
  #hashes: Buffer = Buffer.allocUnsafe(16 * 1024);
  #ids: Buffer = Buffer.allocUnsafe(36 * 1024);

  get length(): number {
    return this.seq.length;
  }

  /** `id` undefined: the id is the 36 bytes of `idSource` after the envelope's head. */
  push(seq: number, fullHex: string, idSource: Buffer, id: string | undefined) {
    const i = this.seq.length;
    if ((i + 1) * 36 > this.#ids.length) {
      this.#hashes = grow(this.#hashes, 16 * i);
      this.#ids = grow(this.#ids, 36 * i);
    }
    // The first 16 bytes of the hash, from its lower-case hex: a loop costs less than a call
    // into the buffer codec for so few bytes.
    const hashes = this.#hashes;
    for (let k = 0, o = 16 * i; k < 32; k += 2, o++)
      hashes[o] = (nibble(fullHex.charCodeAt(k)) << 4) | nibble(fullHex.charCodeAt(k + 1));
    if (id === undefined)
      for (let k = 0, o = 36 * i, s = HEAD.length; k < 36; k++) this.#ids[o + k] = idSource[s + k]!;
    else this.#ids.write(id.padEnd(36).slice(0, 36), 36 * i, 36, "latin1");
    this.seq.push(seq);
  }

  hashes(): Buffer {
    return this.#hashes.subarray(0, 16 * this.seq.length);
  }

  h(i: number): string {
    return this.#hashes.toString("hex", 16 * i, 16 * i + 16);
  }

  id(i: number): string {
    return this.#ids.toString("latin1", 36 * i, 36 * i + 36).trimEnd();
  }
}

/** The value of one lower-case hex digit (what `sha256Hex` writes). */
function nibble(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

function grow(buf: Buffer, used: number): Buffer {
  const next = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(next, 0, 0, used);
  return next;
}
/**
 * A checkpoint's shape, its hashes unchecked one by one: the signature covers them, and a
 * value that is not a hash matches no event.
 */
const CheckpointShape = AuditCheckpoint.extend({ hashes: z.array(z.string()).min(1) });

type SignedCheckpoint = { seq: number; index: number; hashes: string[] };
type AgencyLog = { observed: ObservedLog; checkpoints: SignedCheckpoint[]; invalid: Finding[] };
type LinkBreak = {
  seq: number;
  agency: string;
  id: string;
  h: string;
  claimed: string;
  expected: string;
};

const ID = Buffer.from('"id":"');
/** How the runtime starts every envelope: the id follows at a fixed offset. */
const HEAD = Buffer.from('{"specversion":"1.0","id":"');
const PREV = Buffer.from('"prev":');

/**
 * Whether the `prev` value at `v` is exactly `expected` (a 64-digit hex string), or `null`
 * when the aggregate has no event yet: compared in place, without making a string of it.
 */
function linksTo(buf: Buffer, v: number, expected: string | undefined): boolean {
  if (expected === undefined)
    return buf[v] === 0x6e && buf[v + 1] === 0x75 && buf[v + 2] === 0x6c && buf[v + 3] === 0x6c;
  if (buf[v] !== 0x22 || buf[v + 65] !== 0x22 || expected.length !== 64) return false;
  for (let k = 0; k < 64; k++) if (buf[v + 1 + k] !== expected.charCodeAt(k)) return false;
  return true;
}

function startsWithHead(buf: Buffer): boolean {
  for (let i = 0; i < HEAD.length; i++) if (buf[i] !== HEAD[i]) return false;
  return true;
}

/** The envelope id, read where the runtime writes it (a full parse only when it is not there). */
function eventIdOf(buf: Buffer): string {
  if (buf.length > HEAD.length + 36 && startsWithHead(buf))
    return buf.toString("latin1", HEAD.length, HEAD.length + 36);
  const at = buf.indexOf(ID);
  if (at >= 0 && at < 64) return buf.toString("latin1", at + ID.length, at + ID.length + 36);
  try {
    return String((JSON.parse(buf.toString("utf8")) as { id?: unknown }).id ?? "");
  } catch {
    return "";
  }
}

/**
 * Verifies a county's whole log offline, given each agency's public key. Two structures are
 * checked: every event links to the hash of the previous event of its aggregate, and every
 * agency's own events, in stream order, are exactly the sequence its signed checkpoints seal.
 * Comparing the two sequences names what was done: a changed payload, a removed event,
 * reordered events, a forged event (or a checkpoint under the wrong key), a replayed event.
 * Feed it with `add` in stream order, then `finish`.
 */
export class LogVerifier {
  readonly #keys: Readonly<Record<string, string>>;
  readonly #county: string | undefined;
  readonly #agencies = new Map<string, AgencyLog>();
  readonly #heads = new Map<string, string>();
  readonly #breaks: LinkBreak[] = [];
  readonly #findings: Finding[] = [];
  readonly #foreign: CrossBorderEvent[] = [];
  /** Aggregates that cross a county line: the head's county, the event before it, the addressee. */
  readonly #xb = new Map<string, { before: string | null; county: string; addressee: string }>();
  readonly #outbound: CrossBorderEvent[] = [];
  #events = 0;
  #checkpoints = 0;

  constructor(opts: { keys: Readonly<Record<string, string>>; county?: string }) {
    this.#keys = opts.keys;
    this.#county = opts.county;
  }

  get events(): number {
    return this.#events;
  }

  #agency(code: string): AgencyLog {
    let log = this.#agencies.get(code);
    if (!log) {
      log = { observed: new ObservedLog(), checkpoints: [], invalid: [] };
      this.#agencies.set(code, log);
    }
    return log;
  }

  add(entry: LogEntry): void {
    this.#events++;
    const subject = entry.subject;
    // ld.ev.<county>.<agency>.<kind>.<id>.<to>[.<to-county>]
    const t2 = EVENTS_ROOT.length + 1;
    const t3 = subject.indexOf(".", t2) + 1;
    const t4 = t3 > 0 ? subject.indexOf(".", t3) + 1 : 0;
    const t5 = t4 > 0 ? subject.indexOf(".", t4) + 1 : 0;
    const t6 = t5 > 0 ? subject.indexOf(".", t5) + 1 : 0;
    // One token more when the event crosses a county line (the addressed county).
    const t7 = t6 > 0 ? subject.indexOf(".", t6) + 1 : 0;
    if (
      !subject.startsWith(EVENTS_ROOT) ||
      subject.charCodeAt(EVENTS_ROOT.length) !== 46 ||
      t6 === 0 ||
      (t7 > 0 && subject.indexOf(".", t7) >= 0)
    ) {
      this.#findings.push({
        kind: "unreadable",
        agency: "",
        seq: entry.seq,
        detail: `subject ${subject} is not an event subject`,
      });
      return;
    }
    const county = subject.slice(t2, t3 - 1);
    const agency = subject.slice(t3, t4 - 1);
    const kind = subject.slice(t4, t5 - 1);
    const buf = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
    const full = sha256Hex(buf);
    if (this.#county !== undefined && county !== this.#county && !SHARED_ACROSS_KINDS.has(kind)) {
      // A neighbour's copy of an aggregate it alone writes (a lead shared across the line): its
      // chain is in the neighbour's log, and crossCheck matches it with what was sent.
      this.#foreign.push({ seq: entry.seq, county, agency, hash: full });
      return;
    }
    // The id and `prev` are read from the bytes where the runtime writes them: no string of the
    // envelope is made for an event whose link holds (UTF-8 multi-byte sequences never contain
    // the ASCII searched for).
    const at = indexOfPrev(buf);
    const log = this.#agency(agency);
    // The aggregate: its kind and id, whoever published (ids are UUIDs, or an agency's code).
    const key = subject.slice(t4, t6 - 1);
    const expected = this.#heads.get(key);
    if (at >= 0 && linksTo(buf, at + PREV.length, expected)) {
      this.#heads.set(key, full);
      if (t7 > 0 && SHARED_ACROSS_KINDS.has(kind))
        this.#stepped(key, county, subject.slice(t7), expected ?? null);
    } else if (t7 > 0 && this.#crossed(key, county, claimedPrev(buf), full)) {
      // Both parties stepped from the same event, each in its own county: not a break.
    } else {
      const claimed = claimedPrev(buf);
      if (claimed === UNREADABLE) {
        this.#findings.push({
          kind: "unreadable",
          agency,
          seq: entry.seq,
          eventId: eventIdOf(buf),
          detail: "not a readable event",
        });
      } else {
        if (claimed !== (expected ?? null))
          this.#breaks.push({
            seq: entry.seq,
            agency,
            id: eventIdOf(buf),
            h: full.slice(0, 32),
            claimed: claimed ?? "",
            expected: expected ?? "",
          });
        this.#heads.set(key, full);
      }
    }

    const crossBorder = t7 > 0;
    if (crossBorder || (this.#county !== undefined && county !== this.#county)) {
      const event = { seq: entry.seq, county, agency, hash: full };
      if (this.#county !== undefined && county !== this.#county) {
        // A neighbour's event: sealed in the neighbour's log, not here.
        this.#foreign.push(event);
        return;
      }
      this.#outbound.push(event);
    }
    if (kind === "audit") {
      this.#checkpoints++;
      this.#checkpoint(entry, county, agency, eventIdOf(buf), log);
      return;
    }
    log.observed.push(
      entry.seq,
      full,
      buf,
      buf.length > HEAD.length + 36 && startsWithHead(buf) ? undefined : eventIdOf(buf),
    );
  }

  #stepped(key: string, county: string, toCounty: string, before: string | null): void {
    const x = this.#xb.get(key);
    this.#xb.set(key, { before, county, addressee: x?.addressee ?? toCounty });
  }

  /**
   * A crossing (区域协作): the two parties of a cross-border aggregate, each in its own county's
   * log, took a step from the same event (a withdrawal crossing an acceptance on the way). The
   * addressee's log decides (DESIGN.md, Hand-offs): the addressee's step becomes the head, the
   * other stays in the log without effect. Anything else that does not link is a break.
   */
  #crossed(key: string, county: string, claimed: unknown, full: string): boolean {
    const x = this.#xb.get(key);
    if (!x || claimed !== x.before || county === x.county) return false;
    if (county === x.addressee) {
      this.#heads.set(key, full);
      x.county = county;
    }
    return true;
  }

  #checkpoint(entry: LogEntry, county: string, agency: string, id: string, log: AgencyLog): void {
    let cp: AuditCheckpoint;
    let prev: string | null;
    try {
      const envelope = JSON.parse(Buffer.from(entry.bytes).toString("utf8")) as {
        prev: string | null;
        data: unknown;
      };
      cp = CheckpointShape.parse(envelope.data);
      prev = envelope.prev;
    } catch (err) {
      this.#findings.push({
        kind: "unreadable",
        agency,
        seq: entry.seq,
        eventId: id,
        detail: `checkpoint: ${String(err).slice(0, 200)}`,
      });
      return;
    }
    const expectedKey = this.#keys[agency];
    const text = checkpointSigningText(this.#county ?? county, cp, prev);
    const problem =
      cp.agency !== agency
        ? `checkpoint names ${cp.agency} but stands under ${agency}`
        : expectedKey === undefined
          ? `no public key for ${agency}`
          : cp.key !== expectedKey
            ? `signed with key ${cp.key}, not ${agency}'s ${expectedKey}`
            : !verifySignature(expectedKey, text, cp.signature)
              ? `signature does not verify with ${agency}'s key`
              : undefined;
    if (problem) {
      log.invalid.push({
        kind: "forged",
        agency,
        seq: entry.seq,
        eventId: id,
        position: cp.index,
        detail: problem,
      });
      // The events it claims to seal are as forged as it is, unless a valid checkpoint seals them.
      for (const hash of cp.hashes)
        log.invalid.push({ kind: "forged", agency, seq: -1, detail: hash });
      return;
    }
    log.checkpoints.push({ seq: entry.seq, index: cp.index, hashes: cp.hashes });
  }

  finish(): VerifyReport {
    const findings = [...this.#findings];
    const unsealed: Finding[] = [];
    const involved = new Set<string>();
    const agencies: Record<string, AgencySummary> = {};
    for (const [agency, log] of this.#agencies) {
      const sealed = this.#align(agency, log, findings, unsealed, involved);
      agencies[agency] = {
        events: log.observed.length,
        sealed,
        checkpoints: log.checkpoints.length,
      };
    }
    for (const b of this.#breaks) {
      if (
        involved.has(b.h) ||
        involved.has(b.claimed.slice(0, 32)) ||
        involved.has(b.expected.slice(0, 32))
      )
        continue;
      findings.push({
        kind: "broken-link",
        agency: b.agency,
        seq: b.seq,
        eventId: b.id,
        detail: `links to ${b.claimed || "nothing"}, but the aggregate's previous event is ${b.expected || "none"}`,
      });
    }
    findings.sort((a, b) => a.seq - b.seq);
    return {
      ok: findings.length === 0,
      events: this.#events,
      checkpoints: this.#checkpoints,
      agencies,
      findings,
      unsealed,
      foreign: this.#foreign,
      outbound: this.#outbound,
    };
  }

  /** Lines an agency's observed events up against what its valid checkpoints sealed. */
  #align(
    agency: string,
    log: AgencyLog,
    findings: Finding[],
    unsealed: Finding[],
    involved: Set<string>,
  ): number {
    const observed = log.observed;
    // The signed sequence; a position no valid checkpoint covers (a checkpoint removed) is null.
    const S: (string | null)[] = [];
    for (const cp of [...log.checkpoints].sort((a, b) => a.index - b.index)) {
      if (cp.index > S.length) {
        findings.push({
          kind: "removed",
          agency,
          seq: cp.seq,
          position: S.length,
          detail: `checkpoints for positions ${S.length}–${cp.index - 1} are missing`,
        });
        while (S.length < cp.index) S.push(null);
      }
      cp.hashes.forEach((h, k) => {
        const at = cp.index + k;
        if (at < S.length) {
          if (S[at] !== null && S[at] !== h)
            findings.push({
              kind: "forged",
              agency,
              seq: cp.seq,
              position: at,
              detail: `a second checkpoint seals position ${at} differently`,
            });
        } else S.push(h);
      });
    }
    const forgedClaims = new Set(log.invalid.filter((f) => f.seq === -1).map((f) => f.detail));
    for (const f of log.invalid) if (f.seq !== -1) findings.push(f);

    // The common case, cheaply: what is stored is exactly what was sealed.
    if (
      observed.length === S.length &&
      log.invalid.length === 0 &&
      !S.includes(null) &&
      observed.hashes().equals(Buffer.from(S.join(""), "hex"))
    )
      return S.length;
    const O: Observed[] = observed.seq.map((seq, i) => ({
      seq,
      h: observed.h(i),
      id: observed.id(i),
    }));

    const posS = new Map<string, number>();
    S.forEach((h, k) => {
      if (h !== null && !posS.has(h)) posS.set(h, k);
    });
    const posO = new Map<string, number[]>();
    O.forEach((o, i) => {
      const list = posO.get(o.h);
      if (list) list.push(i);
      else posO.set(o.h, [i]);
    });
    const laterInO = (h: string | null, i: number) =>
      h !== null && (posO.get(h) ?? []).some((k) => k > i);
    const used = new Uint8Array(S.length);
    const seenIds = new Set<string>();
    const flag = (kind: FindingKind, o: Observed, position: number | undefined, detail: string) => {
      involved.add(o.h);
      findings.push({ kind, agency, seq: o.seq, eventId: o.id, position, detail });
    };
    let j = 0;
    for (let i = 0; i < O.length; i++) {
      while (j < S.length && used[j]) j++;
      const o = O[i]!;
      const at = posS.get(o.h);
      const firstTimeId = !seenIds.has(o.id);
      seenIds.add(o.id);
      if (at !== undefined && used[at]) {
        flag("replayed", o, at, `the same event was already stored at chain position ${at}`);
        continue;
      }
      if (at === j || (at !== undefined && S[j] === null)) {
        used[at] = 1;
        continue;
      }
      if (at !== undefined && at > j) {
        if (laterInO(S[j]!, i)) {
          flag("reordered", o, at, `sealed at position ${at}, stored before position ${j}`);
          involved.add(S[j]!);
          used[at] = 1;
          continue;
        }
        for (let k = j; k < at; k++) {
          if (used[k] || laterInO(S[k]!, i)) continue;
          used[k] = 1;
          involved.add(S[k]!);
          findings.push({
            kind: "removed",
            agency,
            seq: o.seq,
            eventId: o.id,
            position: k,
            detail: `the event sealed at position ${k} (hash ${S[k]}) is missing before this one`,
          });
        }
        used[at] = 1;
        continue;
      }
      // Not sealed by any valid checkpoint.
      if (!firstTimeId) {
        flag("replayed", o, undefined, "an event with this id was already stored");
        continue;
      }
      if (forgedClaims.has(o.h)) {
        flag(
          "forged",
          o,
          undefined,
          "sealed only by a checkpoint that does not verify with the agency's key",
        );
        continue;
      }
      if (j < S.length) {
        const expected = S[j]!;
        if (
          !posO.has(expected) &&
          (i + 1 >= O.length ||
            j + 1 >= S.length ||
            O[i + 1]!.h === S[j + 1] ||
            !posS.has(O[i + 1]!.h))
        ) {
          involved.add(expected);
          used[j] = 1;
          flag(
            "changed",
            o,
            j,
            `content differs from what was sealed at position ${j} (hash ${expected})`,
          );
          continue;
        }
        flag("forged", o, undefined, `not in ${agency}'s signed chain`);
        continue;
      }
      involved.add(o.h);
      unsealed.push({
        kind: "unsealed",
        agency,
        seq: o.seq,
        eventId: o.id,
        detail: "after the last checkpoint",
      });
    }
    const last = O[O.length - 1];
    for (let k = 0; k < S.length; k++) {
      if (used[k] || S[k] === null) continue;
      involved.add(S[k]!);
      findings.push({
        kind: "removed",
        agency,
        seq: last ? last.seq + 1 : 0,
        position: k,
        detail: `the event sealed at position ${k} (hash ${S[k]}) is missing`,
      });
    }
    return S.length;
  }
}

/**
 * The trail across a county line (区域协作): each county's log verified with its own agencies'
 * keys, and every event one county holds from another found, byte for byte (by hash), among
 * what that county sealed as sent. Returns one finding per event that is not.
 */
export function crossCheck(reports: Readonly<Record<string, VerifyReport>>): Finding[] {
  const sent = new Map<string, CrossBorderEvent>();
  for (const [county, r] of Object.entries(reports))
    for (const e of r.outbound) if (e.county === county) sent.set(e.hash, e);
  const findings: Finding[] = [];
  for (const [county, r] of Object.entries(reports)) {
    for (const e of r.foreign) {
      if (!(e.county in reports)) continue;
      const original = sent.get(e.hash);
      if (!original || original.agency !== e.agency)
        findings.push({
          kind: "forged",
          agency: e.agency,
          seq: e.seq,
          detail: `county ${county} holds an event of ${e.county} that ${e.county}'s log never sent`,
        });
    }
  }
  return findings;
}
