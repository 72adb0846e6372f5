import {
  AuditCheckpoint,
  agencyLabel,
  countyLabel,
  EVENTS_ROOT,
  type Label,
  SHARED_ACROSS_KINDS,
} from "@liandong/contracts";
import { type SaidWhy, said } from "@liandong/domain";
import { z } from "zod";
import { type ChainHead, headInChain, type KnownHead } from "./audit-witness.ts";
import { sha256Hex } from "./hash.ts";
import { claimedPrev, indexOfPrev, UNREADABLE } from "./hash-chain.ts";
import { checkpointProblem, type SealKeys, sealProblem } from "./seal.ts";

/**
 * One stored message of a county's EVENTS log, in stream order; `seal`: its `Liandong-Seal`
 * header, as its publisher sealed it (an export carries it).
 */
export type LogEntry = {
  seq: number;
  subject: string;
  bytes: Uint8Array;
  seal?: string | undefined;
};

export type FindingKind =
  | "changed"
  | "removed"
  | "reordered"
  | "forged"
  | "replayed"
  | "broken-link"
  | "unreadable"
  | "unsealed"
  /** On an agency's subjects, but neither in its signed chain nor sealed by its publisher. */
  | "not-published-by-agency"
  /** The envelope's county or agency is not the subject's (the key is the subject's agency's). */
  | "identity-mismatch"
  /** Claims a county that is neither this county nor one of its neighbours. */
  | "foreign-county"
  /** A second, different event sealed under an id already sealed. */
  | "duplicate-id"
  /** A checkpoint that should stand between two others is not in the log. */
  | "missing-checkpoint"
  /** The log ends before a head (a witnessed checkpoint) that the verifier was given. */
  | "truncated"
  /** The log holds, where a known head stands, another checkpoint: a second history. */
  | "forked";

/**
 * What is wrong, and where: the stream sequence and event id of the first bad event. Why, as the
 * catalogue says it (`REFUSALS`: its code, its parameters, what it rests on), in the reader's
 * language where it is shown (`sayWhy`).
 */
export type Finding = SaidWhy & {
  kind: FindingKind;
  agency: string;
  /** Stream sequence of the event named (for a removal: of the event that follows the gap). */
  seq: number;
  eventId?: string | undefined;
  /** Position in the agency's chain, where known. */
  position?: number | undefined;
};

/** No event (a link to nothing, an aggregate with none before), as a finding's parameter. */
const NOTHING: Label = { zh: "（无）", en: "nothing" };
const NONE: Label = { zh: "（无）", en: "none" };

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
  /**
   * The last stream sequence the log holds: how far it reaches (an export, taken at one moment).
   * A neighbour's head standing beyond it was written after (see `standsBeyond`).
   */
  lastSeq: number;
};

/**
 * An event that crosses a county line. A neighbour's event (`foreign`) also keeps its subject
 * and seal: one its own county's export does not reach yet is judged by its seal alone
 * (`crossCheck`).
 */
export type CrossBorderEvent = {
  seq: number;
  county: string;
  agency: string;
  hash: string;
  subject?: string | undefined;
  seal?: string | undefined;
  /** Its envelope's `time`, as its publisher stamped it. */
  time?: string | undefined;
};

type Observed = { seq: number; h: string; id: string };
/**
 * An agency's own events in stream order: sequences, and the sealed hashes (16 bytes) and ids
 * (36 bytes) packed in buffers. A million strings kept for the end cost more in garbage
 * collection than all the hashing.
 */
class ObservedLog {
  readonly seq: number[] = [];
  #hashes: Buffer = Buffer.allocUnsafe(16 * 1024);
  #ids: Buffer = Buffer.from(new ArrayBuffer(36 * 1024));
  #idWords = wordsOf(this.#ids);
  #idHashes = new Int32Array(1024);

  get length(): number {
    return this.seq.length;
  }

  /** `id` undefined: the id is the 36 bytes of `idSource` after the envelope's head. */
  push(seq: number, fullHex: string, idSource: Buffer, id: string | undefined) {
    const i = this.seq.length;
    if ((i + 1) * 36 > this.#ids.length) {
      this.#hashes = grow(this.#hashes, 16 * i);
      this.#ids = grow(this.#ids, 36 * i);
      this.#idWords = wordsOf(this.#ids);
      const idHashes = new Int32Array(this.#ids.length / 36);
      idHashes.set(this.#idHashes.subarray(0, i));
      this.#idHashes = idHashes;
    }
    // The first 16 bytes of the hash, from its lower-case hex: a loop costs less than a call
    // into the buffer codec for so few bytes.
    const hashes = this.#hashes;
    for (let k = 0, o = 16 * i; k < 32; k += 2, o++)
      hashes[o] = (HEX_VALUE[fullHex.charCodeAt(k)]! << 4) | HEX_VALUE[fullHex.charCodeAt(k + 1)]!;
    const ids = this.#ids;
    const o = 36 * i;
    if (id === undefined)
      for (let k = 0, s = HEAD.length; k < 36; k++) ids[o + k] = idSource[s + k]!;
    else ids.write(id.padEnd(36).slice(0, 36), o, 36, "latin1");
    // The id's hash (for the duplicate ids looked for at the end), over its nine 32-bit words.
    const words = this.#idWords;
    let h = 0x811c9dc5;
    for (let w = 9 * i, end = w + 9; w < end; w++) h = Math.imul(h ^ words[w]!, 0x01000193);
    this.#idHashes[i] = h ^ (h >>> 15);
    this.seq.push(seq);
  }

  /** The FNV-1a hash of each id, in order. */
  idHashes(): Int32Array {
    return this.#idHashes;
  }

  /**
   * Whether `hashes` (as a checkpoint lists them) are exactly the events stored at
   * `from`… in order, each written as 32 lower-case hex digits (anything else: false).
   */
  matches(from: number, hashes: readonly unknown[]): boolean {
    if (from + hashes.length > this.seq.length) return false;
    for (let j = 0; j < hashes.length; j++) {
      const h = hashes[j];
      if (typeof h !== "string" || h.length !== 32) return false;
    }
    // Each 32 digits long: the stored hashes written out as lower-case hex, compared at once.
    return (
      (hashes as string[]).join("") ===
      this.#hashes.toString("hex", 16 * from, 16 * (from + hashes.length))
    );
  }

  hashes(): Buffer {
    return this.#hashes.subarray(0, 16 * this.seq.length);
  }

  /** The ids, 36 bytes each, in order. */
  ids(): Buffer {
    return this.#ids.subarray(0, 36 * this.seq.length);
  }

  h(i: number): string {
    return this.#hashes.toString("hex", 16 * i, 16 * i + 16);
  }

  id(i: number): string {
    return this.#ids.toString("latin1", 36 * i, 36 * i + 36).trimEnd();
  }
}

/** The value of each lower-case hex digit (what `sha256Hex` writes), by its character code. */
const HEX_VALUE = new Uint8Array(128);
for (let b = 0; b < 16; b++) HEX_VALUE[b.toString(16).charCodeAt(0)] = b;

function sameId(a: Buffer, i: number, b: Buffer, j: number): boolean {
  for (let k = 0; k < 36; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/** The 32-bit words of a buffer of its own (of a length a multiple of four). */
function wordsOf(buf: Buffer): Int32Array {
  return new Int32Array(buf.buffer, buf.byteOffset, buf.length / 4);
}

/** Twice the room, in an ArrayBuffer of its own (its words readable: `wordsOf`). */
function grow(buf: Buffer, used: number): Buffer {
  const next = Buffer.from(new ArrayBuffer(buf.length * 2));
  buf.copy(next, 0, 0, used);
  return next;
}
/**
 * A checkpoint's shape, its hashes unchecked one by one: the signature covers them, and a
 * value that is not a hash matches no event.
 */
const CheckpointShape = AuditCheckpoint.extend({ hashes: z.array(z.string()).min(1) });
/** The same, but for its hashes. */
const CheckpointFields = CheckpointShape.omit({ hashes: true });

/**
 * `CheckpointShape.parse`, without taking a thousand hashes one by one through zod: the hashes
 * looked at here, the other fields by zod; anything that does not pass is parsed whole (the
 * same result, the same error).
 */
function checkpointOf(data: unknown): AuditCheckpoint {
  const hashes = (data as { hashes?: unknown } | null | undefined)?.hashes;
  if (Array.isArray(hashes) && hashes.length > 0) {
    let strings = true;
    for (let i = 0; i < hashes.length; i++)
      if (typeof hashes[i] !== "string") {
        strings = false;
        break;
      }
    if (strings) {
      const fields = CheckpointFields.safeParse(data);
      if (fields.success) return { ...fields.data, hashes: hashes as string[] };
    }
  }
  return CheckpointShape.parse(data);
}

/**
 * A valid checkpoint: where it stands, the position it seals from and how many, its hash.
 * `hashes` undefined: they were, when it arrived, exactly the agency's events stored from
 * `index` (read back from those when needed).
 */
type SignedCheckpoint = {
  seq: number;
  index: number;
  size: number;
  hashes: string[] | undefined;
  hash: string;
};
/**
 * The seals of an agency's latest events, kept for those no checkpoint seals (the tail). Their
 * bytes are kept, not their hashes: the caller holds the bytes already, while a hash kept this
 * long outlives the young generation, and a million of them promoted to the old one cost more
 * (a full collection marks the whole log) than hashing again the few no checkpoint seals.
 */
const TAIL = 4096;
type Tail = {
  seq: Int32Array | number[];
  seal: (string | undefined)[];
  subject: string[];
  bytes: Uint8Array[];
  n: number;
};
type AgencyLog = {
  observed: ObservedLog;
  checkpoints: SignedCheckpoint[];
  /** Checkpoints that are not the agency's, each named. */
  invalid: Finding[];
  /** The hashes those checkpoints claim to seal: as forged as they are, unless a valid one seals them. */
  forgedClaims: string[];
  tail: Tail;
  /**
   * Whether every valid checkpoint so far sealed, from where the one before ended, exactly the
   * events stored by then (the common case, checked as they arrive); `sealedTo`: where they end.
   */
  inOrder: boolean;
  sealedTo: number;
};
/**
 * A 32-bit hash of `text[from, to)`: FNV-1a over two characters a step (each at most 16 bits),
 * then mixed.
 */
function hashOf(text: string, from: number, to: number, seed: number): number {
  let h = seed ^ (to - from);
  let i = from;
  for (; i + 1 < to; i += 2)
    h = Math.imul(h ^ (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

/**
 * Each aggregate's head (the hash of its latest event), by its `kind.id` as the subject writes
 * it: an open-addressing table hashed over the subject's characters where they stand, so that
 * no string is made of the key of an aggregate already seen (a year's log holds hundreds of
 * thousands). Seeded at random: a log written to slow its verifier down cannot aim at it.
 */
class Heads {
  #mask = 4095;
  #slots = new Int32Array(4096).fill(-1);
  #hashes = new Int32Array(4096);
  readonly #keys: string[] = [];
  readonly #heads: string[] = [];
  readonly #seed = (Math.random() * 0x100000000) | 0;
  /** Where the last `find` stopped, and the hash it computed: the free slot for a new key. */
  #slot = 0;
  #hash = 0;

  /** The aggregate `subject[from, to)` names: its number, or -1 when it has no head yet. */
  find(subject: string, from: number, to: number): number {
    const h = hashOf(subject, from, to, this.#seed);
    const length = to - from;
    const slots = this.#slots;
    const mask = this.#mask;
    let slot = h & mask;
    for (;;) {
      const a = slots[slot]!;
      if (a === -1) break;
      if (this.#hashes[slot] === h) {
        const key = this.#keys[a]!;
        // A slice compared costs a third of `startsWith` from a position (a call into the runtime).
        if (key.length === length && subject.slice(from, to) === key) return a;
      }
      slot = (slot + 1) & mask;
    }
    this.#slot = slot;
    this.#hash = h;
    return -1;
  }

  head(aggregate: number): string {
    return this.#heads[aggregate]!;
  }

  set(aggregate: number, head: string): void {
    this.#heads[aggregate] = head;
  }

  /** An aggregate's first head: only right after `find` found it has none. */
  add(subject: string, from: number, to: number, head: string): void {
    const a = this.#keys.length;
    this.#keys.push(subject.slice(from, to));
    this.#heads.push(head);
    this.#slots[this.#slot] = a;
    this.#hashes[this.#slot] = this.#hash;
    if (2 * this.#keys.length > this.#slots.length) this.#grow();
  }

  #grow(): void {
    const size = this.#slots.length * 2;
    const mask = size - 1;
    const slots = new Int32Array(size).fill(-1);
    const hashes = new Int32Array(size);
    for (let k = 0; k < this.#slots.length; k++) {
      const a = this.#slots[k]!;
      if (a === -1) continue;
      const h = this.#hashes[k]!;
      let slot = h & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = a;
      hashes[slot] = h;
    }
    this.#slots = slots;
    this.#hashes = hashes;
    this.#mask = mask;
  }
}

/** An envelope's head as a county's agency writes it: its `source`, its county and agency fields. */
type Identity = { source: Buffer; fields: Buffer };
/** What a subject's prefix `ld.ev.<county>.<agency>.<kind>.` tells. */
type Prefix = {
  prefix: string;
  county: string;
  agency: string;
  /** A county neither this one nor a neighbour. */
  outside: boolean;
  /** Another county than this one (this one known). */
  elsewhere: boolean;
  /** A kind both counties write across the line. */
  shared: boolean;
  audit: boolean;
  identity: Identity;
  /** The agency's log, once it has one. */
  log: AgencyLog | undefined;
};
/** Slots of the table of subject prefixes (a power of two). */
const PREFIXES = 256;
type LinkBreak = {
  seq: number;
  agency: string;
  id: string;
  h: string;
  claimed: string;
  expected: string;
};

const ID = Buffer.from('"id":"');
const COUNTY_FIELD = Buffer.from(',"county":"');
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

/** For each byte, how far the search for `,"county":"` moves on when it is under the pattern's end (Horspool). */
const COUNTY_SKIP = new Uint8Array(256).fill(COUNTY_FIELD.length);
for (let k = 0; k < COUNTY_FIELD.length - 1; k++)
  COUNTY_SKIP[COUNTY_FIELD[k]!] = COUNTY_FIELD.length - 1 - k;

/** Where `,"county":"` first occurs from `from` (as `buf.indexOf`, without a call into the buffer codec). */
function indexOfCounty(buf: Buffer, from: number): number {
  const last = COUNTY_FIELD.length - 1;
  const end = buf.length - COUNTY_FIELD.length;
  let i = from;
  while (i <= end) {
    const b = buf[i + last]!;
    if (b === 0x22) {
      let k = 0;
      while (k < last && buf[i + k] === COUNTY_FIELD[k]) k++;
      if (k === last) return i;
    }
    i += COUNTY_SKIP[b]!;
  }
  return -1;
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

const TIME = Buffer.from('"time":"');

/** The envelope's `time`, read where the runtime writes it (after the head), else parsed. */
function timeOf(buf: Buffer): string | undefined {
  const at = buf.indexOf(TIME, HEAD.length);
  const end = at >= 0 ? buf.indexOf(0x22, at + TIME.length) : -1;
  if (end >= 0 && end - at < 64) return buf.toString("latin1", at + TIME.length, end);
  try {
    const time = (JSON.parse(buf.toString("utf8")) as { time?: unknown }).time;
    return typeof time === "string" ? time : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the envelope's county and agency are the subject's: read where the runtime writes
 * them (`source` after the id, then `county` and `agency` fields), else parsed. `expected`: the
 * envelope's head as the subject's county and agency write it. Returns where the fields read in
 * place end (the runtime writes `prev` after them), 0 when parsed, -1 when not the same.
 */
function sameIdentity(
  buf: Buffer,
  standard: boolean,
  expected: Identity,
  county: string,
  agency: string,
): number {
  const at = HEAD.length + 36;
  const source = expected.source;
  if (standard && buf.length > at + source.length) {
    let same = true;
    for (let i = 0; i < source.length; i++)
      if (buf[at + i] !== source[i]) {
        same = false;
        break;
      }
    // The first `,"county":` after the head is the envelope's: no earlier value holds a quote.
    const c = same ? indexOfCounty(buf, at + source.length) : -1;
    const fields = expected.fields;
    if (c >= 0 && c + fields.length <= buf.length) {
      let k = 0;
      while (k < fields.length && buf[c + k] === fields[k]) k++;
      if (k === fields.length) return c + k;
    }
  }
  try {
    const e = JSON.parse(buf.toString("utf8")) as { county?: unknown; agency?: unknown };
    return e.county === county && e.agency === agency ? 0 : -1;
  } catch {
    return 0; // unreadable: named as such where its link is read
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
  readonly #heads = new Heads();
  readonly #breaks: LinkBreak[] = [];
  readonly #findings: Finding[] = [];
  readonly #foreign: CrossBorderEvent[] = [];
  /** Aggregates that cross a county line: the head's county, the event before it, the addressee. */
  readonly #xb = new Map<string, { before: string | null; county: string; addressee: string }>();
  readonly #outbound: CrossBorderEvent[] = [];
  #events = 0;
  #lastSeq = 0;
  #checkpoints = 0;
  /** Whether the log came with its seals (an export does; a log read without headers not). */
  #sealsGiven = false;

  readonly #neighbours: ReadonlySet<string> | undefined;
  readonly #known: Readonly<Record<string, KnownHead>>;
  /** Envelope heads as this county's agencies write them, by `county.agency`. */
  readonly #identity = new Map<string, Identity>();
  /** Subject prefixes seen (`#prefixOf`). */
  readonly #prefixes: (Prefix | undefined)[] = new Array(PREFIXES);

  /**
   * `neighbours`: the counties whose events may stand in this log (any other is a finding);
   * unknown when not given. `heads`: each agency's latest head known from elsewhere (the
   * office's signed heads an auditor kept): a log that ends before one is truncated.
   */
  constructor(opts: {
    keys: Readonly<Record<string, string>>;
    county?: string;
    neighbours?: readonly string[];
    heads?: Readonly<Record<string, KnownHead>>;
  }) {
    this.#keys = opts.keys;
    this.#county = opts.county;
    this.#neighbours = opts.neighbours ? new Set(opts.neighbours) : undefined;
    this.#known = opts.heads ?? {};
  }

  get events(): number {
    return this.#events;
  }

  #agency(code: string): AgencyLog {
    let log = this.#agencies.get(code);
    if (!log) {
      log = {
        observed: new ObservedLog(),
        checkpoints: [],
        invalid: [],
        forgedClaims: [],
        tail: { seq: [], seal: [], subject: [], bytes: [], n: 0 },
        inOrder: true,
        sealedTo: 0,
      };
      this.#agencies.set(code, log);
    }
    return log;
  }

  add(entry: LogEntry): void {
    this.#events++;
    if (entry.seq > this.#lastSeq) this.#lastSeq = entry.seq;
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
        ...said("audit.not-event-subject", { subject }),
      });
      return;
    }
    // What the subject's first tokens tell (county, agency, kind), looked up without a string
    // made of them: the same few prefixes recur through a whole log.
    const p = this.#prefixOf(subject, t3, t4, t5);
    const county = p.county;
    const agency = p.agency;
    const bytes = entry.bytes;
    // A Buffer as it is (what a log read from the bus or an export holds): no view made per event.
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const full = sha256Hex(buf);
    if (p.outside) {
      this.#findings.push({
        kind: "foreign-county",
        agency,
        seq: entry.seq,
        eventId: eventIdOf(buf),
        ...said("audit.foreign-county", {
          county: countyLabel(county),
          own: countyLabel(this.#county ?? ""),
        }),
      });
      return;
    }
    // The envelope begins as the runtime writes it: its id stands at a fixed place.
    const standard = buf.length > HEAD.length + 36 && startsWithHead(buf);
    const fieldsEnd = sameIdentity(buf, standard, p.identity, county, agency);
    if (fieldsEnd < 0)
      this.#findings.push({
        kind: "identity-mismatch",
        agency,
        seq: entry.seq,
        eventId: eventIdOf(buf),
        ...said("audit.identity-mismatch", {
          county: countyLabel(county),
          agency: agencyLabel(agency),
        }),
      });
    if (p.elsewhere && !p.shared) {
      // A neighbour's copy of an aggregate it alone writes (a lead shared across the line): its
      // chain is in the neighbour's log, and crossCheck matches it with what was sent.
      this.#keepForeign(entry, county, agency, full, subject, buf);
      return;
    }
    // The id and `prev` are read from the bytes where the runtime writes them: no string of the
    // envelope is made for an event whose link holds (UTF-8 multi-byte sequences never contain
    // the ASCII searched for).
    // From where the county and agency fields end, when read in place: `prev` is written after
    // them (anywhere else, it is not found from there, and the link is read by parsing).
    const at = indexOfPrev(buf, Math.max(fieldsEnd, 0));
    let log = p.log;
    if (log === undefined) {
      log = this.#agency(agency);
      p.log = log;
    }
    // The aggregate: its kind and id, whoever published (ids are UUIDs, or an agency's code).
    const heads = this.#heads;
    const aggregate = heads.find(subject, t4, t6 - 1);
    const expected = aggregate >= 0 ? heads.head(aggregate) : undefined;
    if (at >= 0 && linksTo(buf, at + PREV.length, expected)) {
      if (aggregate >= 0) heads.set(aggregate, full);
      else heads.add(subject, t4, t6 - 1, full);
      if (t7 > 0 && p.shared)
        this.#stepped(subject.slice(t4, t6 - 1), county, subject.slice(t7), expected ?? null);
    } else if (
      t7 > 0 &&
      this.#crossed(subject, t4, t6 - 1, aggregate, county, claimedPrev(buf), full)
    ) {
      // Both parties stepped from the same event, each in its own county: not a break.
    } else {
      const claimed = claimedPrev(buf);
      if (claimed === UNREADABLE) {
        this.#findings.push({
          kind: "unreadable",
          agency,
          seq: entry.seq,
          eventId: eventIdOf(buf),
          ...said("audit.unreadable"),
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
        if (aggregate >= 0) heads.set(aggregate, full);
        else heads.add(subject, t4, t6 - 1, full);
      }
    }

    if (p.elsewhere) {
      // A neighbour's event: sealed in the neighbour's log, not here.
      this.#keepForeign(entry, county, agency, full, subject, buf);
      return;
    }
    if (t7 > 0) this.#outbound.push({ seq: entry.seq, county, agency, hash: full });
    if (p.audit) {
      this.#checkpoints++;
      this.#checkpoint(entry, buf, county, agency, eventIdOf(buf), log, full);
      return;
    }
    if (entry.seal !== undefined) this.#sealsGiven = true;
    const tail = log.tail;
    const slot = tail.n++ % TAIL;
    tail.seq[slot] = entry.seq;
    tail.seal[slot] = entry.seal;
    tail.subject[slot] = subject;
    tail.bytes[slot] = buf;
    log.observed.push(entry.seq, full, buf, standard ? undefined : eventIdOf(buf));
  }

  /** A neighbour's event, kept for `crossCheck` to match with what the neighbour's log sent. */
  #keepForeign(
    entry: LogEntry,
    county: string,
    agency: string,
    hash: string,
    subject: string,
    buf: Buffer,
  ): void {
    this.#foreign.push({
      seq: entry.seq,
      county,
      agency,
      hash,
      subject,
      seal: entry.seal,
      time: timeOf(buf),
    });
  }

  /**
   * The county, agency and kind of a subject whose first tokens end at `t3`, `t4`, `t5`: from
   * a small table of the prefixes seen, checked against the subject in place.
   */
  #prefixOf(subject: string, t3: number, t4: number, t5: number): Prefix {
    const slot = hashOf(subject, EVENTS_ROOT.length + 1, t5, 0) & (PREFIXES - 1);
    // Two places for each: a county's few prefixes rarely meet in one.
    for (let k = 0; k < 2; k++) {
      const known = this.#prefixes[(slot + k) & (PREFIXES - 1)];
      if (
        known !== undefined &&
        known.prefix.length === t5 &&
        subject.slice(0, t5) === known.prefix
      )
        return known;
    }
    const t2 = EVENTS_ROOT.length + 1;
    const county = subject.slice(t2, t3 - 1);
    const agency = subject.slice(t3, t4 - 1);
    const kind = subject.slice(t4, t5 - 1);
    const elsewhere = this.#county !== undefined && county !== this.#county;
    const idKey = `${county}.${agency}`;
    let identity = this.#identity.get(idKey);
    if (!identity) {
      identity = {
        source: Buffer.from(`","source":"liandong:${county}:${agency}","type":"`),
        fields: Buffer.from(`,"county":"${county}","agency":"${agency}","actor":`),
      };
      this.#identity.set(idKey, identity);
    }
    const p: Prefix = {
      prefix: subject.slice(0, t5),
      county,
      agency,
      outside: elsewhere && this.#neighbours !== undefined && !this.#neighbours.has(county),
      elsewhere,
      shared: SHARED_ACROSS_KINDS.has(kind),
      audit: kind === "audit",
      identity,
      log: this.#agencies.get(agency),
    };
    this.#prefixes[this.#prefixes[slot] === undefined ? slot : (slot + 1) & (PREFIXES - 1)] = p;
    return p;
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
  #crossed(
    subject: string,
    from: number,
    to: number,
    aggregate: number,
    county: string,
    claimed: unknown,
    full: string,
  ): boolean {
    const x = this.#xb.get(subject.slice(from, to));
    if (!x || claimed !== x.before || county === x.county) return false;
    if (county === x.addressee) {
      if (aggregate >= 0) this.#heads.set(aggregate, full);
      else this.#heads.add(subject, from, to, full);
      x.county = county;
    }
    return true;
  }

  #checkpoint(
    entry: LogEntry,
    buf: Buffer,
    county: string,
    agency: string,
    id: string,
    log: AgencyLog,
    hash: string,
  ): void {
    let cp: AuditCheckpoint;
    let prev: string | null;
    try {
      const envelope = JSON.parse(buf.toString("utf8")) as {
        prev: string | null;
        data: unknown;
      };
      cp = checkpointOf(envelope.data);
      prev = envelope.prev;
    } catch (err) {
      this.#findings.push({
        kind: "unreadable",
        agency,
        seq: entry.seq,
        eventId: id,
        ...said("checkpoint.unreadable", { error: String(err).slice(0, 200) }),
      });
      return;
    }
    const problem = checkpointProblem(cp, {
      county: this.#county ?? county,
      agency,
      key: this.#keys[agency],
      prev,
    });
    if (problem) {
      log.invalid.push({
        kind: "forged",
        agency,
        seq: entry.seq,
        eventId: id,
        position: cp.index,
        ...problem,
      });
      // The events it claims to seal are as forged as it is, unless a valid checkpoint seals them.
      for (const hash of cp.hashes) log.forgedClaims.push(hash);
      return;
    }
    const size = cp.hashes.length;
    const matched =
      log.inOrder && cp.index === log.sealedTo && log.observed.matches(cp.index, cp.hashes);
    if (matched) log.sealedTo += size;
    else log.inOrder = false;
    log.checkpoints.push({
      seq: entry.seq,
      index: cp.index,
      size,
      hashes: matched ? undefined : cp.hashes,
      hash,
    });
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
    this.#duplicateIds(findings, involved);
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
        ...said("audit.broken-link", {
          claimed: b.claimed || NOTHING,
          expected: b.expected || NONE,
        }),
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
      lastSeq: this.#lastSeq,
    };
  }

  /**
   * Events stored under an id another, different event already has (a replay of the very same
   * event is named as such): found over every agency's events with a table of their ids' hashes,
   * not a million strings.
   */
  #duplicateIds(findings: Finding[], involved: Set<string>): void {
    const logs = [...this.#agencies];
    let total = 0;
    for (const [, log] of logs) total += log.observed.length;
    let size = 1024;
    while (size < total * 2) size *= 2;
    const mask = size - 1;
    // Per slot, side by side (one place in memory to look at): the id's hash, which log (plus
    // one: zero is a free slot, as the table is made), and which of its events.
    const table = new Int32Array(3 * size);
    const ids = logs.map(([, log]) => log.observed.ids());
    const idHashes = logs.map(([, log]) => log.observed.idHashes());
    for (let l = 0; l < logs.length; l++) {
      const [agency, log] = logs[l]!;
      const buf = ids[l]!;
      const hashes = idHashes[l]!;
      for (let i = 0; i < log.observed.length; i++) {
        const h = hashes[i]!;
        let slot = h & mask;
        for (;;) {
          const at = 3 * slot;
          const m = table[at + 1]! - 1;
          if (m === -1) {
            table[at] = h;
            table[at + 1] = l + 1;
            table[at + 2] = i;
            break;
          }
          const j = table[at + 2]!;
          if (table[at] === h && sameId(ids[m]!, 36 * j, buf, 36 * i)) {
            const first = logs[m]![1].observed;
            const h1 = first.h(j);
            const h2 = log.observed.h(i);
            if (!involved.has(h2) && (h1 !== h2 || !involved.has(h1))) {
              involved.add(h2);
              findings.push({
                kind: h1 === h2 ? "replayed" : "duplicate-id",
                agency,
                seq: log.observed.seq[i]!,
                eventId: log.observed.id(i),
                ...(h1 === h2
                  ? said("audit.replayed-at-seq", { seq: first.seq[j]! })
                  : said("audit.duplicate-id", {
                      seq: first.seq[j]!,
                      agency: agencyLabel(logs[m]![0]),
                    })),
              });
            }
            break;
          }
          slot = (slot + 1) & mask;
        }
      }
    }
  }

  /**
   * Why an event after the last checkpoint is not its agency's: its seal (kept with the
   * latest events) is missing or does not verify. Undefined when it verifies, or when the
   * log came without seals (an event too far back to have its seal kept is not judged).
   */
  #tailSeal(agency: string, tail: Tail, seq: number): SaidWhy | undefined {
    const from = Math.max(0, tail.n - TAIL);
    for (let k = tail.n - 1; k >= from; k--) {
      const slot = k % TAIL;
      if (tail.seq[slot] !== seq) continue;
      const county = tail.subject[slot]!.split(".")[2]!;
      const keys: SealKeys = (c, a) => (c === county ? this.#keys[a] : undefined);
      const seal = tail.seal[slot];
      if (seal === undefined && !this.#sealsGiven) return undefined;
      const problem = sealProblem(
        keys,
        { county, agency },
        tail.subject[slot]!,
        tail.bytes[slot]!,
        seal,
      );
      return problem && saidOf(problem);
    }
    return undefined;
  }

  /**
   * An agency's chain against the head known from elsewhere: shorter is a truncated log; as
   * long, its checkpoint there must be the very one known (else a second history).
   */
  #againstKnownHead(agency: string, log: AgencyLog, size: number, findings: Finding[]): void {
    const head = this.#known[agency];
    if (!head || head.size === 0) return;
    const v = headInChain(chainOf(log), size, head);
    if (v.verdict === "truncated") {
      findings.push({
        kind: "truncated",
        agency,
        seq: (log.observed.seq.at(-1) ?? 0) + 1,
        position: size,
        ...said("audit.truncated", {
          size,
          agency: agencyLabel(agency),
          known: head.size,
          checkpoint: head.checkpoint,
        }),
      });
    } else if (v.verdict === "forked")
      findings.push({
        kind: "forked",
        agency,
        seq: v.at.seq,
        position: head.size,
        ...said("audit.forked", { size: head.size, checkpoint: head.checkpoint }),
      });
    // `unaligned` (no checkpoint ends there): a checkpoint is missing, named as such.
  }

  /**
   * Each agency's chain as its valid checkpoints seal it (the size each seals up to, its hash,
   * where it stands), in order: what heads known from elsewhere are held against.
   */
  chains(): Record<string, ChainHead[]> {
    const out: Record<string, ChainHead[]> = {};
    for (const [agency, log] of this.#agencies)
      if (log.checkpoints.length > 0) out[agency] = chainOf(log);
    return out;
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
    if (log.inOrder && log.invalid.length === 0 && log.sealedTo === observed.length) {
      // The common case, checked as checkpoints arrived: what is stored is exactly what was sealed.
      this.#againstKnownHead(agency, log, observed.length, findings);
      return observed.length;
    }
    // The signed sequence; a position no valid checkpoint covers (a checkpoint removed) is null.
    const S: (string | null)[] = [];
    for (const cp of [...log.checkpoints].sort((a, b) => a.index - b.index)) {
      if (cp.index > S.length) {
        findings.push({
          kind: "missing-checkpoint",
          agency,
          seq: cp.seq,
          position: S.length,
          ...said("audit.missing-checkpoint", { from: S.length, to: cp.index - 1 }),
        });
        // The next checkpoint links to the missing one: that is this finding, not another.
        involved.add(cp.hash.slice(0, 32));
        while (S.length < cp.index) S.push(null);
      }
      for (let k = 0; k < cp.size; k++) {
        const h = cp.hashes ? cp.hashes[k]! : observed.h(cp.index + k);
        const at = cp.index + k;
        if (at < S.length) {
          if (S[at] !== null && S[at] !== h)
            findings.push({
              kind: "forged",
              agency,
              seq: cp.seq,
              position: at,
              ...said("audit.sealed-twice", { position: at }),
            });
        } else S.push(h);
      }
    }
    const forgedClaims = new Set(log.forgedClaims);
    for (const f of log.invalid) findings.push(f);

    this.#againstKnownHead(agency, log, S.length, findings);
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
    const flag = (kind: FindingKind, o: Observed, position: number | undefined, why: SaidWhy) => {
      involved.add(o.h);
      findings.push({ kind, agency, seq: o.seq, eventId: o.id, position, ...why });
    };
    let j = 0;
    for (let i = 0; i < O.length; i++) {
      while (j < S.length && used[j]) j++;
      const o = O[i]!;
      const at = posS.get(o.h);
      const firstTimeId = !seenIds.has(o.id);
      seenIds.add(o.id);
      if (at !== undefined && used[at]) {
        flag("replayed", o, at, said("audit.replayed-at-position", { position: at }));
        continue;
      }
      if (at === j || (at !== undefined && S[j] === null)) {
        used[at] = 1;
        continue;
      }
      if (at === undefined && S[j] === null) {
        // Where a missing checkpoint sealed: already named, as the missing checkpoint.
        used[j] = 1;
        continue;
      }
      if (at !== undefined && at > j) {
        if (laterInO(S[j]!, i)) {
          flag("reordered", o, at, said("audit.reordered", { at, before: j }));
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
            ...said("audit.removed-before", { position: k, hash: S[k]! }),
          });
        }
        used[at] = 1;
        continue;
      }
      // Not sealed by any valid checkpoint.
      if (!firstTimeId) {
        flag("replayed", o, undefined, said("audit.replayed-id"));
        continue;
      }
      if (forgedClaims.has(o.h)) {
        flag("forged", o, undefined, said("audit.forged-checkpoint-only"));
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
          flag("changed", o, j, said("audit.changed", { position: j, hash: expected }));
          continue;
        }
        flag(
          "not-published-by-agency",
          o,
          undefined,
          said("audit.not-in-chain", { agency: agencyLabel(agency) }),
        );
        continue;
      }
      involved.add(o.h);
      // After the last checkpoint: provable, for now, by its own seal alone.
      const problem = this.#tailSeal(agency, log.tail, o.seq);
      if (problem) {
        flag("not-published-by-agency", o, undefined, problem);
        continue;
      }
      unsealed.push({
        kind: "unsealed",
        agency,
        seq: o.seq,
        eventId: o.id,
        ...said("audit.unsealed"),
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
        ...said("audit.removed", { position: k, hash: S[k]! }),
      });
    }
    return S.length;
  }
}

/** What a refusal says (its code and parameters), without the kind of refusal it is. */
export const saidOf = (r: SaidWhy): SaidWhy => ({
  code: r.code,
  ...(r.params ? { params: r.params } : {}),
  ...(r.because ? { because: saidOf(r.because) } : {}),
});

function chainOf(log: AgencyLog): ChainHead[] {
  return log.checkpoints
    .map((c) => ({ size: c.index + c.size, checkpoint: c.hash, seq: c.seq }))
    .sort((a, b) => a.size - b.size);
}
