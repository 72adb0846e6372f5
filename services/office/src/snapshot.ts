import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { type SealedAhead, type Signer, verifySignature } from "@liandong/runtime";
import type { BreakGlassLog } from "./break-glass.ts";
import type { Cases } from "./cases.ts";
import type { CityLink } from "./city-link.ts";
import type { Findings } from "./comparison-findings.ts";
import type { Inspections } from "./inspections.ts";
import type { Tracker } from "./lead-tracker.ts";
import type { ReferralTracker, TrackedReferral } from "./referral-tracker.ts";
import type { Submissions } from "./reports.ts";
import type { Statistics, StatisticsState } from "./statistics.ts";
import type { Supervision } from "./supervision.ts";
import type { Witnessing, WitnessingState } from "./witness.ts";

/**
 * The office's snapshot (快照): its projections as the one `evolve` of each left them after the
 * message at `seq` of EVENTS, so that a start folds only the tail. Nothing in it is a rule: it is
 * the state serialised, with a version. Bumped whenever a projection's state changes shape: a
 * snapshot of another version is ignored, and the office replays the whole log.
 */
export const SNAPSHOT_SCHEMA = 2;
const FORMAT = "liandong-office-snapshot";

/** Everything the office folds from EVENTS, as its routes hold it. */
export type Projections = {
  tracker: Tracker;
  referrals: ReferralTracker;
  cases: Cases;
  supervision: Supervision;
  stats: Statistics;
  submissions: Submissions;
  inspections: Inspections;
  breakGlass: BreakGlassLog;
  link: CityLink;
  witnessing: Witnessing;
  sealedAhead: SealedAhead;
  findings: Findings;
};

/** The last message a snapshot folded: its sequence in EVENTS and the SHA-256 of its bytes. */
export type Covered = { seq: number; hash: string };

type Header = {
  format: typeof FORMAT;
  schema: number;
  county: string;
  seq: number;
  hash: string;
  takenAt: string;
  /** SHA-256 of everything after the header's line. */
  body: string;
  /** The office's key, and its signature of the rest (`snapshotSigningText`). */
  key: string;
  signature: string;
};

/** The maps of the projections, each written as one line per entry (a year of them is too big for one string). */
const MAPS = {
  tracker: (p: Projections) => p.tracker,
  referrals: (p: Projections) => p.referrals,
  records: (p: Projections) => (p.referrals.records ??= new Map()),
  cases: (p: Projections) => p.cases,
  orders: (p: Projections) => p.supervision.orders,
  seen: (p: Projections) => p.supervision.seen,
  submissions: (p: Projections) => p.submissions,
  inspections: (p: Projections) => p.inspections.all,
  uses: (p: Projections) => p.breakGlass.uses,
  observed: (p: Projections) => p.breakGlass.observed,
  closed: (p: Projections) => p.link.closed,
  majorCases: (p: Projections) => p.link.majorCases,
  findings: (p: Projections) => p.findings,
} as const satisfies Record<string, (p: Projections) => Map<string, unknown>>;
type MapName = keyof typeof MAPS;

/** What is not a map: one line each. */
type Values = {
  stats: StatisticsState;
  witnessing: WitnessingState;
  sealed: Record<string, string>;
};

export function snapshotSigningText(h: Omit<Header, "signature">): string {
  return [h.format, h.schema, h.county, h.seq, h.hash, h.takenAt, h.body, h.key].join("\n");
}

/**
 * The projections as bytes (a header line, then one line per entry): read synchronously, so
 * that what is written is the state after `covered` and nothing later.
 */
export function encodeSnapshot(
  p: Projections,
  opts: { county: string; covered: Covered; signer: Signer; at: Date },
): Buffer[] {
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    lines.push("");
    chunks.push(Buffer.from(lines.join("\n")));
    lines = [];
  };
  const line = (s: string) => {
    lines.push(s);
    if (lines.length >= 4096) flush();
  };
  for (const [name, of] of Object.entries(MAPS)) {
    const map = of(p) as Map<string, unknown>;
    line(JSON.stringify({ section: name, entries: map.size }));
    for (const entry of map) line(JSON.stringify(entry));
  }
  const values: Values = {
    stats: p.stats.state(),
    witnessing: p.witnessing.state(),
    sealed: p.sealedAhead.taken(),
  };
  line(JSON.stringify({ section: "values", entries: 1 }));
  line(JSON.stringify(values));
  flush();
  const digest = createHash("sha256");
  for (const c of chunks) digest.update(c);
  const unsigned = {
    format: FORMAT,
    schema: SNAPSHOT_SCHEMA,
    county: opts.county,
    seq: opts.covered.seq,
    hash: opts.covered.hash,
    takenAt: opts.at.toISOString(),
    body: digest.digest("hex"),
    key: opts.signer.publicKey,
  } as const;
  const header: Header = {
    ...unsigned,
    signature: opts.signer.sign(snapshotSigningText(unsigned)),
  };
  return [Buffer.from(`${JSON.stringify(header)}\n`), ...chunks];
}

/** A snapshot read back, checked, not yet put in place: `restore` puts it there. */
export type Decoded = {
  covered: Covered;
  takenAt: string;
  /** Replaces what the projections hold by what the snapshot holds. */
  restore(p: Projections): void;
};

/**
 * Reads a snapshot: `problem` when it is not this office's (another county's, another key's),
 * of another version, or when its bytes are not what the office signed (cut short, changed).
 * Whether it matches the log is the caller's to check (the message at its `seq`, its hash).
 */
export function decodeSnapshot(
  bytes: Uint8Array,
  opts: { county: string; key: string },
): Decoded | { problem: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.indexOf(10);
  if (end < 0) return { problem: "no header" };
  let header: Header;
  try {
    header = JSON.parse(buf.toString("utf8", 0, end));
  } catch {
    return { problem: "unreadable header" };
  }
  if (header?.format !== FORMAT) return { problem: "not an office snapshot" };
  if (header.schema !== SNAPSHOT_SCHEMA)
    return { problem: `schema ${header.schema}, this office reads ${SNAPSHOT_SCHEMA}` };
  if (header.county !== opts.county) return { problem: `of county ${header.county}` };
  if (header.key !== opts.key)
    return { problem: `signed with key ${header.key}, not the office's` };
  const { signature, ...unsigned } = header;
  if (
    typeof signature !== "string" ||
    !verifySignature(opts.key, snapshotSigningText(unsigned), signature)
  )
    return { problem: "its signature does not verify" };
  if (!Number.isSafeInteger(header.seq) || header.seq < 1 || typeof header.hash !== "string")
    return { problem: "no sequence it covers" };
  const body = buf.subarray(end + 1);
  if (createHash("sha256").update(body).digest("hex") !== header.body)
    return { problem: "its contents are not what was signed (changed or cut short)" };

  const maps = new Map<string, Map<string, unknown>>();
  let values: Values | undefined;
  try {
    let at = 0;
    const next = (): unknown => {
      const stop = body.indexOf(10, at);
      if (stop < 0) throw new Error("cut short");
      const v = JSON.parse(body.toString("utf8", at, stop));
      at = stop + 1;
      return v;
    };
    while (at < body.length) {
      const { section, entries } = next() as { section: string; entries: number };
      if (section === "values") {
        values = next() as Values;
        continue;
      }
      const map = new Map<string, unknown>();
      for (let i = 0; i < entries; i++) {
        const [k, v] = next() as [string, unknown];
        map.set(k, section === "referrals" ? { ...REFERRAL_SHAPE, ...(v as object) } : v);
      }
      maps.set(section, map);
    }
  } catch (err) {
    return { problem: `unreadable contents: ${String(err).slice(0, 200)}` };
  }
  const missing = Object.keys(MAPS).find((n) => !maps.has(n));
  if (missing || !values) return { problem: `no ${missing ?? "values"} in it` };
  const read = values;
  return {
    covered: { seq: header.seq, hash: header.hash },
    takenAt: header.takenAt,
    restore(p) {
      for (const name of Object.keys(MAPS) as MapName[]) {
        const target = MAPS[name](p) as Map<string, unknown>;
        target.clear();
        for (const [k, v] of maps.get(name)!) target.set(k, v);
      }
      p.stats.restore(read.stats);
      p.witnessing.restore(read.witnessing);
      p.sealedAhead.resume(read.sealed);
    },
  };
}

/**
 * A tracked referral's every field, in the order the tracker makes them (`undefined` where it
 * does not apply; JSON leaves those out): restored to the one shape the tracker's filters expect.
 */
const REFERRAL_SHAPE: Record<keyof TrackedReferral, undefined> = {
  referralId: undefined,
  kind: undefined,
  from: undefined,
  to: undefined,
  fromCounty: undefined,
  toCounty: undefined,
  about: undefined,
  status: undefined,
  holder: undefined,
  holderCounty: undefined,
  awaiting: undefined,
  awaitingCounty: undefined,
  offeredAt: undefined,
  updatedAt: undefined,
  acceptBy: undefined,
  deadlineBasis: undefined,
  completeBy: undefined,
  chainRoot: undefined,
  chainLead: undefined,
  parentReferralId: undefined,
  resumesReferralId: undefined,
  childReferralId: undefined,
  violations: undefined,
  overdue: undefined,
};

/** Where the office keeps its latest snapshot. */
export type SnapshotStore = {
  /** The latest snapshot written, if any. */
  read(): Promise<Uint8Array | undefined>;
  /** Replaces it, whole or not at all. */
  write(chunks: readonly Buffer[]): Promise<void>;
  /** Where, for the logs. */
  readonly where: string;
};

/**
 * The office's snapshot as a file of its own data directory (`LIANDONG_SNAPSHOT_DIR`), replaced
 * whole: written beside it, flushed to disk, then renamed over it.
 */
export function fileSnapshots(dir: string): SnapshotStore {
  const file = join(dir, "office-snapshot.bin");
  return {
    where: file,
    async read() {
      return readFile(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
    },
    async write(chunks) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      const fh = await open(tmp, "w", 0o600);
      try {
        for (const c of chunks) await fh.write(c);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    },
  };
}

/** A snapshot kept in memory (tests). */
export function memorySnapshots(): SnapshotStore & { bytes: Uint8Array | undefined } {
  const store = {
    where: "memory",
    bytes: undefined as Uint8Array | undefined,
    async read() {
      return store.bytes;
    },
    async write(chunks: readonly Buffer[]) {
      store.bytes = Buffer.concat(chunks);
    },
  };
  return store;
}
