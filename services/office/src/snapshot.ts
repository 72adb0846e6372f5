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
import { LazyMap, PackedReader, PackedWriter } from "./packed.ts";
import type { ReferralTracker } from "./referral-tracker.ts";
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
export const SNAPSHOT_SCHEMA = 5;
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
  /** Where each agency's latest checkpoint read stands in the log (`CountyHeads.latest`). */
  checkpoints: () => Record<string, number>;
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

/**
 * The maps of the projections, in the order written. `folded`: changed only by folding the log
 * (written in slices, the fold held meanwhile); the rest are small, and some are changed by the
 * office's own routes too: written at once, at the cut.
 */
const MAPS = {
  orders: { of: (p: Projections) => p.supervision.orders, folded: false },
  seen: { of: (p: Projections) => p.supervision.seen, folded: false },
  inspections: { of: (p: Projections) => p.inspections.all, folded: false },
  uses: { of: (p: Projections) => p.breakGlass.uses, folded: false },
  observed: { of: (p: Projections) => p.breakGlass.observed, folded: false },
  closed: { of: (p: Projections) => p.link.closed, folded: false },
  majorCases: { of: (p: Projections) => p.link.majorCases, folded: false },
  tracker: { of: (p: Projections) => p.tracker, folded: true },
  referrals: { of: (p: Projections) => p.referrals, folded: true },
  records: { of: (p: Projections) => (p.referrals.records ??= new Map()), folded: true },
  cases: { of: (p: Projections) => p.cases, folded: true },
  submissions: { of: (p: Projections) => p.submissions, folded: true },
  findings: { of: (p: Projections) => p.findings, folded: true },
} as const satisfies Record<
  string,
  { of: (p: Projections) => Map<string, unknown>; folded: boolean }
>;
type MapName = keyof typeof MAPS;
/**
 * Maps written so that each value can be read when first asked for (`PackedWriter.lazyMap`): the
 * lead tracker, the referrals' records, which the tracker's first answer does not need, and the
 * referrals, of which its first page reads a page.
 */
const LAZY = new Set<MapName>(["tracker", "referrals", "records"]);

/** What is not a map. */
type Values = {
  witnessing: WitnessingState;
  sealed: Record<string, string>;
  /** By agency: the sequence of its latest checkpoint at the cut (`Projections.checkpoints`). */
  checkpoints: Record<string, number>;
};

export function snapshotSigningText(h: Omit<Header, "signature">): string {
  return [h.format, h.schema, h.county, h.seq, h.hash, h.takenAt, h.body, h.key].join("\n");
}

/** Entries written between two pauses of a snapshot written in slices. */
const SLICE = 500;

/**
 * The projections as bytes (a header line, then the packed body: `packed.ts`), in slices: every
 * step of the generator writes a few thousand entries. What is written is the state after
 * `covered`: the caller folds nothing until the generator is done (what the office's own routes
 * change is written at the first step, at once).
 */
export function* snapshotEncoder(
  p: Projections,
  opts: { county: string; covered: Covered; signer: Signer; at: Date },
): Generator<void, Buffer[]> {
  const w = new PackedWriter();
  const values: Values = {
    witnessing: p.witnessing.state(),
    sealed: p.sealedAhead.taken(),
    checkpoints: p.checkpoints(),
  };
  w.value("values");
  w.value(values);
  for (const [name, m] of Object.entries(MAPS)) {
    if (m.folded) continue;
    w.value(name);
    w.value(m.of(p));
  }
  yield;
  for (const [name, m] of Object.entries(MAPS)) {
    if (!m.folded) continue;
    w.value(name);
    yield* LAZY.has(name as MapName) ? w.lazyMap(m.of(p), SLICE) : w.map(m.of(p), SLICE);
  }
  w.value("stats");
  w.value(p.stats.state());
  const chunks = w.finish();
  const digest = createHash("sha256");
  for (const c of chunks) {
    digest.update(c);
    yield;
  }
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

/** The projections as bytes, at once (`snapshotEncoder`'s steps taken one after another). */
export function encodeSnapshot(
  p: Projections,
  opts: { county: string; covered: Covered; signer: Signer; at: Date },
): Buffer[] {
  const steps = snapshotEncoder(p, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** A snapshot read back, checked, not yet put in place: `restore` puts it there. */
export type Decoded = {
  covered: Covered;
  takenAt: string;
  /**
   * By agency: where its latest checkpoint at the cut stands in the log. A start from the
   * snapshot reads those and the checkpoints after the cut (every event after it is sealed by
   * one of them, or by its own seal).
   */
  checkpoints: Record<string, number>;
  /**
   * Replaces what the projections hold by what the snapshot holds, its maps read straight into
   * theirs (a `LazyMap`'s values when asked for). Throws when its contents are unreadable, the
   * projections' maps emptied.
   */
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

  // The values first (what the start reads before the rest: where the checkpoints stand); the
  // maps are read by `restore`, straight into the projections'.
  const r = new PackedReader(body);
  let values: Values;
  try {
    if (r.value() !== "values") throw new Error("no values first");
    values = r.value() as Values;
  } catch (err) {
    return { problem: `unreadable contents: ${String(err).slice(0, 200)}` };
  }
  const checkpoints = values?.checkpoints as unknown;
  if (
    typeof checkpoints !== "object" ||
    checkpoints === null ||
    Object.values(checkpoints).some((s) => !Number.isSafeInteger(s) || s < 1)
  )
    return { problem: "no checkpoints in it" };
  return {
    covered: { seq: header.seq, hash: header.hash },
    takenAt: header.takenAt,
    checkpoints: values.checkpoints,
    restore(p) {
      // The referrals' records, seldom asked for (a step of a referral folded), read when they
      // are; so is every map the office made lazy (`LazyMap`: the lead tracker).
      if (!(p.referrals.records instanceof LazyMap)) p.referrals.records = new LazyMap();
      const maps = Object.keys(MAPS) as MapName[];
      const other = new Map<string, unknown>();
      try {
        while (!r.done) {
          const name = r.value();
          if (typeof name !== "string") throw new Error("a section without a name");
          if (name in MAPS) {
            const target = MAPS[name as MapName].of(p) as Map<unknown, unknown>;
            r.mapInto(target, target instanceof LazyMap);
          } else other.set(name, r.value());
        }
        if (!other.has("stats")) throw new Error("no stats in it");
      } catch (err) {
        for (const name of maps) MAPS[name].of(p).clear();
        throw new Error(`unreadable contents: ${String(err).slice(0, 200)}`);
      }
      p.stats.restore(other.get("stats") as StatisticsState);
      p.witnessing.restore(values.witnessing);
      p.sealedAhead.resume(values.sealed);
    },
  };
}

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
