import { EVENTS_ROOT, parseEventSubject, SEAL_HEADER, STREAMS } from "@liandong/contracts";
import { say } from "@liandong/domain";
import {
  AggregateLog,
  type AheadVerdict,
  CHECK_AHEAD_FROM,
  CheckAhead,
  checkMessage,
  logDeadLetter,
  NOT_PUBLISHED_BY_AGENCY,
  officerGate,
  SealedAhead,
  type ServiceContext,
  type ServiceParts,
  type StreamMessage,
  sealKeysOf,
  sealProblem,
  sha256Hex,
  verifiedCheckpoint,
} from "@liandong/runtime";
import { CountyHeads } from "./audit-heads.ts";
import {
  breakGlassRoutes,
  followBreakGlass,
  newBreakGlassLog,
  recordRewrites,
} from "./break-glass.ts";
import { type Cases, evolveCases } from "./cases.ts";
import { cityLinkRoutes, followCityLink, majorCaseReporter, newCityLink } from "./city-link.ts";
import { type Findings, findingRoutes, followFindings } from "./comparison-findings.ts";
import { countyWatch } from "./county-status.ts";
import { followInspections } from "./inspection-events.ts";
import { inspectionRoutes, newInspections } from "./inspections.ts";
import { leadRoutes } from "./lead-routes.ts";
import { evolve, type Tracker } from "./lead-tracker.ts";
import { officerRoutes } from "./officer-routes.ts";
import { LazyMap } from "./packed.ts";
import { evolveReferrals, type ReferralTracker } from "./referral-tracker.ts";
import { evolveSubmissions, reportRoutes, type Submissions } from "./reports.ts";
import {
  type Covered,
  decodeSnapshot,
  fileSnapshots,
  type Projections,
  type SnapshotStore,
  snapshotEncoder,
} from "./snapshot.ts";
import { Statistics } from "./statistics.ts";
import { newSupervision, supervisionRoutes } from "./supervision.ts";
import { followSupervision, observeSupervision } from "./supervision-events.ts";
import { deadlineScheduler, trackerRoutes } from "./tracker-routes.ts";
import { trailRoutes } from "./trail.ts";
import { webPage } from "./web.ts";
import { isWitnessEvent, Witnessing } from "./witness.ts";

/**
 * Aggregate kinds whose events the office's projections read. The rest (an agency's audit
 * checkpoints, its refused attempts, its informant files) are skipped by their subject, before
 * any decoding: a checkpoint alone is tens of kilobytes.
 */
const PROJECTED_KINDS = new Set([
  "lead",
  "referral",
  "case",
  "supervision",
  "report",
  "inspection",
  "break-glass",
  "major-case",
  // The comparison service's findings (its requests are decoded and passed over).
  "comparison",
]);

/** The aggregate kind of an event subject: `ld.ev.<county>.<agency>.<kind>.…`. */
const kindOf = (subject: string) => subject.split(".", 5)[4];

/** Whether the office decodes the event stored under `subject` (an unreadable subject is, to be dead-lettered). */
export function projected(subject: string): boolean {
  const s = parseEventSubject(subject);
  return s === undefined || PROJECTED_KINDS.has(s.kind);
}

/**
 * The leading group's office: a county-wide view of every lead, rebuilt from the EVENTS
 * stream at start and kept current by an ordered consumer (nothing counted twice: the
 * projection is rebuilt, not resumed).
 */
export async function office(
  ctx: ServiceContext,
  opts: {
    /** Checked on a second thread while this many messages or more are still to be read. */
    checkAheadFrom?: number;
    /**
     * Where its snapshot is kept (default: a file of `LIANDONG_SNAPSHOT_DIR`, when set): read at
     * start (the log's tail folded after it), written every `snapshotEvery` and at a clean stop.
     */
    snapshots?: SnapshotStore;
    snapshotEvery?: { events: number; ms: number };
    /** Told at each start what the snapshot restored covered (undefined: the whole log replayed). */
    onRestored?: (covered: Covered | undefined) => void;
  } = {},
): Promise<ServiceParts> {
  const checkAheadFrom = opts.checkAheadFrom ?? OFFICE_CHECK_AHEAD_FROM;
  const { bus, logger, publisher, agency } = ctx;
  // Read lazily from a snapshot (a lead when asked for): the tracker answers before they are.
  const tracker: Tracker = new LazyMap();
  // So are the referrals: the tracker's first page reads its own, the rest read once caught up.
  const referrals: ReferralTracker = new LazyMap();
  let caughtUp = false;
  let running: { stop(): Promise<void> } | undefined;
  const cases: Cases = new Map();
  const supervision = newSupervision();
  // One log for everything the office appends (deadlines, orders, escalations): one head each.
  const log = new AggregateLog(publisher, ctx.kv, ctx.county);
  const deadlines = deadlineScheduler(ctx, referrals, log, supervision);
  const stats = new Statistics(ctx.county, { cases, referrals });
  const submissions: Submissions = new Map();
  const inspections = newInspections();
  const breakGlass = newBreakGlassLog();
  const findings: Findings = new Map();
  let rewrites: { stop(): void } | undefined;
  const participants = ctx.config.agencies.map((a) => a.code);
  // Its city above it (上下联动): reports sent up, major cases reported and acknowledged.
  const link = newCityLink(ctx);
  const linked = { log, link, cases, referrals, stats, submissions };
  const majorCases = majorCaseReporter(ctx, linked);
  // Everything the office answers needs one of its officers, but for its open paths: the
  // features mounted after it.
  ctx.app.use("*", officerGate(ctx.officers, ctx.agency, OPEN_PATHS));
  ctx.app.route("/", trailRoutes(ctx));
  ctx.app.route("/", leadRoutes(ctx, tracker));
  ctx.app.route("/", trackerRoutes(ctx, referrals));
  ctx.app.route("/", supervisionRoutes(ctx, { log, supervision, referrals, cases }));
  ctx.app.route("/", reportRoutes(ctx, { stats, submissions }));
  ctx.app.route("/", cityLinkRoutes(ctx, linked));
  ctx.app.route("/", inspectionRoutes(ctx, { log, inspections }));
  ctx.app.route("/", breakGlassRoutes(ctx, { log, breakGlass }));
  ctx.app.route("/", officerRoutes(ctx, { log }));
  ctx.app.route("/", findingRoutes(ctx, { findings, tracker }));
  // Bundled while the start reads its snapshot: the start waits for it before following the log.
  const page = webPage(ctx);
  ctx.app.route("/", page.routes);

  // One message of EVENTS decoded, validated, and sealed by its agency's own publisher (the third
  // witness: on a checkpoint's word, or its own seal); or dead-lettered.
  // `ahead`: what a second thread found checking it ahead, during a rebuild (`CheckAhead`).
  const checked = (m: StreamMessage, ahead?: AheadVerdict) => {
    const verdict = ahead?.decoded ? ahead : checkMessage(m.subject, m.data);
    if (!verdict.ok) return { bad: deadLetter(m, verdict.reason, verdict.detail) };
    const e = verdict.event;
    const hash = ahead?.hash ?? sha256Hex(m.data);
    if (!sealedAhead.take(e.county, e.agency, hash)) {
      const problem = sealProblem(seals, e, m.subject, m.data, m.headers?.get(SEAL_HEADER), hash);
      if (problem) return { bad: deadLetter(m, NOT_PUBLISHED_BY_AGENCY, problem) };
    }
    return { e, hash };
  };
  // Applied to every projection. Synchronous for all but the few that write back: no promise per
  // message of a rebuild.
  const apply = (m: StreamMessage, ahead?: AheadVerdict): Promise<void> | undefined => {
    const c = checked(m, ahead);
    if ("bad" in c) return c.bad;
    const { e, hash } = c;
    evolve(tracker, e);
    const step = evolveReferrals(referrals, { leads: tracker, cases }, e, { seq: m.seq, hash });
    // A step its publisher was not entitled to take: not counted, on the record as a dead letter.
    if (step && !step.ok && "refused" in step) return deadLetter(m, "not-entitled", step.refused);
    evolveCases(cases, e);
    const upDown = followCityLink(link, e);
    if (e.aggregate.kind === "case") majorCases.caseChanged(e.aggregate.id);
    const order = followSupervision(supervision, e);
    stats.apply(e);
    evolveSubmissions(submissions, e);
    followBreakGlass(breakGlass, e, m.seq);
    const inspection = followInspections(inspections, e, { participants, leads: tracker });
    const found = followFindings(findings, e, ctx.county);
    const refused = order ?? inspection ?? upDown ?? found?.refused;
    // Every step on a supervision aggregate moves the head the office's own steps link to; one of
    // the city's (上下联动) is on the city's own chain, under its own subjects.
    const observed =
      e.aggregate.kind === "supervision" && e.county === ctx.county
        ? observeSupervision(supervision, log, e, { seq: m.seq, hash })
        : undefined;
    if (refused)
      return Promise.all([observed, deadLetter(m, "not-entitled", refused)]).then(() => {});
    return observed;
  };
  const deadLetter = logDeadLetter({ agency, consumer: "office", publisher, logger });

  const seals = sealKeysOf(ctx.config);
  const sealedAhead = new SealedAhead();
  const heads = new CountyHeads({ county: ctx.county, kv: ctx.kv, logger });
  ctx.app.get("/audit/heads", (c) => c.json(heads.signed(ctx.signer, ctx.clock())));
  const witnessing = new Witnessing({
    county: ctx.county,
    neighbours: ctx.config.region.neighbours,
    officeKeys: Object.fromEntries(
      ctx.config.region.neighbours.map((n) => [n, ctx.config.region.keys[n]?.office]),
    ),
    signer: ctx.signer,
    clock: ctx.clock,
    logger,
    heads: () => heads.signed(ctx.signer, ctx.clock()),
    append: (req, opts) => log.append(req, opts),
    everyMs: ctx.config.region.witnessEverySeconds * 1000,
  });
  ctx.app.get("/audit/witnesses", (c) => c.json(witnessing.view()));
  // What the agencies' checkpoints sealed so far, read before the rebuild: an event they sealed
  // is taken on their signed word, not by checking its own seal (a rebuild reads every event).
  // After a snapshot, only what seals the events after its cut: each agency's latest checkpoint
  // at the cut (the one its last events folded may be in), then every checkpoint after the cut.
  // An event none of them seals is checked by its own seal, as any other: nothing is taken on
  // the snapshot's word but what it folded.
  const checkpointsOf = `${EVENTS_ROOT}.${ctx.county}.*.audit.>`;
  const readCheckpoints = async (after?: { seq: number; checkpoints: Record<string, number> }) => {
    const take = async (c: { seq: number; subject: string; bytes: Uint8Array }) => {
      const v = verifiedCheckpoint(seals, c.subject, c.bytes);
      if (!v.ok) {
        logger.error(
          { seq: c.seq, code: v.problem.code, problem: say(v.problem, "zh") },
          "checkpoint does not verify",
        );
        return;
      }
      sealedAhead.add(v.county, v.checkpoint.agency, v.checkpoint.hashes);
      await heads.take(v, c.bytes, c.seq);
    };
    if (after) {
      const at = Object.entries(after.checkpoints)
        .filter(([, seq]) => seq <= after.seq)
        .sort(([, a], [, b]) => a - b);
      const stored = await Promise.all(at.map(([, seq]) => bus.at(STREAMS.events, seq)));
      for (const [i, c] of stored.entries()) {
        const agency = at[i]![0];
        if (c?.subject.startsWith(`${EVENTS_ROOT}.${ctx.county}.${agency}.audit.`)) await take(c);
        else logger.warn({ seq: at[i]![1], agency }, "no checkpoint where the snapshot saw one");
      }
    }
    for await (const c of bus.readPresent(STREAMS.events, {
      namePrefix: "office",
      filterSubjects: [checkpointsOf],
      ...(after ? { fromSeq: after.seq + 1 } : {}),
    }))
      await take(c);
  };
  const onMessage = (m: StreamMessage, ahead?: AheadVerdict) => {
    const kind = kindOf(m.subject);
    if (kind === "audit") {
      const v = verifiedCheckpoint(seals, m.subject, m.data);
      if (!v.ok) return undefined;
      const taken = heads.take(v, m.data, m.seq);
      if (v.county === ctx.county) witnessing.checkpoint(v.checkpoint, m.seq);
      return taken;
    }
    if (kind === "witness") {
      const c = checked(m, ahead);
      if ("bad" in c) return c.bad;
      if (isWitnessEvent(c.e)) witnessing.event(c.e, c.hash);
      return undefined;
    }
    if (projected(m.subject)) return apply(m, ahead);
    // Not read here, but sealed like the rest: moved past, so that the agency's next events are
    // still taken on its checkpoints' word.
    const [, , county = "", agency = ""] = m.subject.split(".", 4);
    sealedAhead.take(county, agency, ahead?.hash ?? sha256Hex(m.data));
    return undefined;
  };
  // A rebuild far behind the stream's end is checked on a second thread, a few batches ahead of
  // the projections (`CheckAhead`). At the end of the log as the reader knows it, everything is
  // applied and the thread ended before the reader moves on (and says it has caught up).
  let ahead: CheckAhead<StreamMessage> | undefined;
  const follow = (m: StreamMessage, behind: number) => {
    if (!ahead && (caughtUp || behind < checkAheadFrom)) return onMessage(m);
    ahead ??= new CheckAhead({
      decode: (subject) => kindOf(subject) !== "audit",
      apply: onMessage,
      onError: (err) => logger.warn({ err }, "checking thread lost; checking on the main thread"),
    });
    const full = ahead.push(m);
    if (behind > 0) return full;
    const checking = ahead;
    ahead = undefined;
    return (async () => {
      await full;
      await checking.close();
    })();
  };

  // The snapshot (快照): the projections after the last message folded, and where they cover to.
  const snapshots =
    opts.snapshots ??
    (ctx.env.LIANDONG_SNAPSHOT_DIR ? fileSnapshots(ctx.env.LIANDONG_SNAPSHOT_DIR) : undefined);
  const every = opts.snapshotEvery ?? SNAPSHOT_EVERY;
  const projections: Projections = {
    tracker,
    referrals,
    cases,
    supervision,
    stats,
    submissions,
    inspections,
    breakGlass,
    link,
    witnessing,
    sealedAhead,
    findings,
    checkpoints: () => heads.latest(),
  };
  /** The last message folded (every one before it too), and what the latest snapshot covers. */
  let folded: StreamMessage | undefined;
  let covered: Covered | undefined;
  let applying = 0;
  let writing: Promise<void> | undefined;
  let snapshotTimer: ReturnType<typeof setInterval> | undefined;
  /** While a snapshot is being encoded: the fold waits for it (the snapshot is a cut of the log). */
  let encoding: Promise<void> | undefined;
  // Taken between two messages (nothing half-applied), encoded in slices while the fold waits:
  // the office answers between them. The write goes on after, folding again.
  const takeSnapshot = (): Promise<void> | undefined => {
    if (!snapshots || !folded || writing || folded.seq === covered?.seq) return undefined;
    const at = { seq: folded.seq, hash: sha256Hex(folded.data) };
    covered = at;
    const steps = snapshotEncoder(projections, {
      county: ctx.county,
      covered: at,
      signer: ctx.signer,
      at: ctx.clock(),
    });
    const started = performance.now();
    let longestMs = 0;
    const encoded = (async () => {
      // The first step writes what the office's routes change too, at the cut; then a turn at
      // once (the fold waits from here on), and one after every 20 ms of steps.
      let step = steps.next();
      longestMs = performance.now() - started;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const from = performance.now();
        step = steps.next();
        while (!step.done && performance.now() - from < 20) step = steps.next();
        longestMs = Math.max(longestMs, performance.now() - from);
        if (step.done) return step.value;
      }
    })();
    encoding = encoded.then(
      () => undefined,
      () => undefined,
    );
    writing = encoded
      .then((chunks) => {
        encoding = undefined;
        const encodedMs = Math.round(performance.now() - started);
        const bytes = chunks.reduce((n, c) => n + c.length, 0);
        return snapshots.write(chunks).then(() =>
          logger.info(
            {
              seq: at.seq,
              bytes,
              encodedMs,
              longestPauseMs: Math.round(longestMs),
              ms: Math.round(performance.now() - started),
              where: snapshots.where,
            },
            "snapshot written",
          ),
        );
      })
      .catch((err: unknown) => logger.warn({ err, seq: at.seq }, "snapshot not written"))
      .finally(() => {
        encoding = undefined;
        writing = undefined;
      });
    return writing;
  };
  // The latest snapshot, if it is this office's, of this version, whole, and of this log: the
  // message it covers to is in the stream with the hash it recorded. Anything else is replayed.
  let restored: Covered | undefined;
  /** By agency: its latest checkpoint at the restored snapshot's cut. */
  let restoredCheckpoints: Record<string, number> = {};
  const restoreSnapshot = async (): Promise<number> => {
    const from = await restoreFrom();
    opts.onRestored?.(restored);
    return from;
  };
  const restoreFrom = async (): Promise<number> => {
    if (!snapshots) return 1;
    const started = performance.now();
    const bytes = await snapshots.read().catch((err: unknown) => {
      logger.warn(
        { err, where: snapshots.where },
        "snapshot unreadable: the whole log is replayed",
      );
      return undefined;
    });
    if (!bytes) return 1;
    const readAt = performance.now();
    const cpu0 = process.cpuUsage();
    const decoded = decodeSnapshot(bytes, { county: ctx.county, key: ctx.signer.publicKey });
    const decodedAt = performance.now();
    if ("problem" in decoded) {
      logger.warn(
        { problem: decoded.problem, where: snapshots.where },
        "snapshot refused: the whole log is replayed",
      );
      return 1;
    }
    const { seq, hash } = decoded.covered;
    const stored = await bus.at(STREAMS.events, seq);
    if (!stored || sha256Hex(stored.bytes) !== hash) {
      logger.warn(
        { seq, hash, stored: stored ? sha256Hex(stored.bytes) : null },
        "snapshot does not match the log: the whole log is replayed",
      );
      return 1;
    }
    const verifiedAt = performance.now();
    const cpu1 = process.cpuUsage();
    try {
      decoded.restore(projections);
    } catch (err) {
      logger.warn(
        { problem: String(err), where: snapshots.where },
        "snapshot refused: the whole log is replayed",
      );
      return 1;
    }
    covered = restored = decoded.covered;
    restoredCheckpoints = decoded.checkpoints;
    folded = { seq, subject: stored.subject, data: stored.bytes };
    logger.info(
      {
        seq,
        takenAt: decoded.takenAt,
        bytes: bytes.byteLength,
        readMs: Math.round(readAt - started),
        decodeMs: Math.round(decodedAt - readAt),
        verifyMs: Math.round(verifiedAt - decodedAt),
        restoreMs: Math.round(performance.now() - verifiedAt),
        cpuMs: {
          decodeAndVerify: Math.round((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000),
          restore: Math.round(((u) => u.user + u.system)(process.cpuUsage(cpu1)) / 1000),
        },
        ms: Math.round(performance.now() - started),
      },
      "snapshot restored: the log is folded from after it",
    );
    return seq + 1;
  };
  // Each message followed; once caught up, a snapshot when enough has been folded since the last.
  const followAndKeep = (m: StreamMessage, behind: number): Promise<void> | undefined => {
    const held = encoding;
    if (held) return held.then(() => followAndKeep(m, behind));
    const done = follow(m, behind);
    if (!snapshots) {
      folded = m;
      return done;
    }
    const after = (): undefined => {
      folded = m;
      if (caughtUp && !ahead && m.seq - (covered?.seq ?? 0) >= every.events) void takeSnapshot();
    };
    if (!done) return after();
    applying++;
    return done.then(after).finally(() => {
      applying--;
    });
  };

  // What a snapshot left to read when asked for (`LazyMap`), read once caught up, a few
  // milliseconds at a time between the office's other work: the tracker's first answer does not
  // wait for it, and the snapshot's bytes are let go of once read. Then `done`.
  let reading: ReturnType<typeof setImmediate> | undefined;
  let startedAt = 0;
  const readRest = (done: () => void) => {
    const lazy: LazyMap<unknown, unknown>[] = [];
    for (const m of [referrals, tracker, referrals.records] as unknown[])
      if (m instanceof LazyMap && m.pending > 0) lazy.push(m);
    const step = () => {
      const from = performance.now();
      for (const m of lazy) while (m.pending > 0 && performance.now() - from < 10) m.readSome(200);
      if (lazy.some((m) => m.pending > 0)) reading = setImmediate(step);
      else {
        reading = undefined;
        logger.info({ ms: Math.round(performance.now() - startedAt) }, "snapshot read whole");
        done();
      }
    };
    if (lazy.length > 0) reading = setImmediate(step);
    else done();
  };

  // How every service of the county stands, for the office's /readyz and its page's status strip.
  const county = countyWatch(ctx, () => caughtUp);
  return {
    async start() {
      county.start();
      startedAt = performance.now();
      // How long each step of the start took (logged once caught up).
      // Wall and CPU (of the whole process): on a shared machine the second is the steadier.
      const phases: Record<string, number> = {};
      const cpuMs: Record<string, number> = {};
      let lap = startedAt;
      let cpuLap = process.cpuUsage();
      const timed = (name: string) => {
        const now = performance.now();
        const cpu = process.cpuUsage(cpuLap);
        phases[name] = Math.round(now - lap);
        cpuMs[name.replace(/Ms$/, "")] = Math.round((cpu.user + cpu.system) / 1000);
        lap = now;
        cpuLap = process.cpuUsage();
      };
      await heads.load();
      timed("headsMs");
      // Before the checkpoints are read: each agency's queue of sealed events starts after the
      // last event the snapshot folded.
      const fromSeq = await restoreSnapshot();
      timed("snapshotMs");
      await readCheckpoints(
        restored ? { seq: restored.seq, checkpoints: restoredCheckpoints } : undefined,
      );
      timed("checkpointsMs");
      await page.built;
      timed("pageMs");
      rewrites = recordRewrites(ctx, { log, breakGlass });
      running = await bus.follow(STREAMS.events, {
        namePrefix: "office",
        fromSeq,
        onMessage: followAndKeep,
        onCaughtUp: () => {
          caughtUp = true;
          timed("tailMs");
          logger.info(
            {
              from: fromSeq,
              to: folded?.seq ?? 0,
              ms: Math.round(performance.now() - startedAt),
              ...phases,
              cpuMs,
            },
            "caught up with the log",
          );
          // A start that replayed much of the log keeps what it folded at once.
          if ((folded?.seq ?? 0) - (covered?.seq ?? 0) >= every.events) void takeSnapshot();
          if (snapshots) {
            snapshotTimer = setInterval(() => {
              if (applying === 0 && !ahead) void takeSnapshot();
            }, every.ms);
            snapshotTimer.unref();
          }
          void heads.caughtUp();
          // The deadlines looked for once every referral is read: a look reads them all.
          readRest(() => deadlines.start());
          witnessing.caughtUp();
          majorCases.start();
        },
      });
    },
    async stop() {
      county.stop();
      rewrites?.stop();
      deadlines.stop();
      majorCases.stop();
      witnessing.stop();
      clearInterval(snapshotTimer);
      clearImmediate(reading);
      await running?.stop();
      // A clean stop: everything folded is kept, for the next start to fold only what follows.
      await writing;
      if (caughtUp) await takeSnapshot();
    },
    ready: () => caughtUp,
    readyzExtra: () => ({
      county: county.status(),
      // Where this start's fold began (the snapshot it restored), and what the latest one covers.
      snapshot: { restored: restored?.seq ?? null, covers: covered?.seq ?? null },
    }),
  };
}

/**
 * The office checks a fold on a second thread only this far behind the log's end: a thread costs
 * seconds to start (its modules loaded again), more than checking a snapshot's tail of ten
 * thousand events on the main thread (measured: 1.7 s against 5.8 s for 11,000 events, the
 * office run through tsx; `bench/office-ready.ts`). A whole log replayed still gets one.
 */
export const OFFICE_CHECK_AHEAD_FROM = Math.max(CHECK_AHEAD_FROM, 50_000);

/**
 * How often the office writes its snapshot, once caught up: whichever comes first. Seldom: it is
 * read at once (a year's projections take tens of seconds to write out, the office answering
 * nothing meanwhile), and a clean stop writes one anyway.
 */
export const SNAPSHOT_EVERY = { events: 100_000, ms: 6 * 3_600_000 };

/** What the office answers without a token: its page, the auditors' public keys, the probes. */
export const OPEN_PATHS = new Set([
  "/",
  "/ui/app.js",
  "/ui/style.css",
  "/ui/config.json",
  "/audit/keys",
  "/audit/heads",
  "/audit/witnesses",
  "/healthz",
  "/readyz",
  "/metrics",
]);
