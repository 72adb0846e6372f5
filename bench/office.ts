import { fork } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { eventSubject } from "@liandong/contracts";
import { isOverdue } from "@liandong/domain";
import {
  evolve,
  evolveReferrals,
  type ReferralTracker,
  referralsMatching,
  Statistics,
  type Tracker,
} from "@liandong/office";
import { CheckAhead, SealedAhead, type StreamMessage, sha256Hex } from "@liandong/runtime";
import { bundleCheckWorker } from "../services/county/build.mjs";
import { LEAN_MALLOC, nodeFlags } from "../services/county/src/county.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

const COUNTY = "441723";
const AGENCIES = ["health", "family-planning", "public-security", "drug-regulation", "commerce"];
const VIOLATIONS = ["sex-selective-termination", "illegal-sex-determination", "intermediary"];

type Stored = { subject: string; bytes: Uint8Array };

/** A county's log: leads registered and shared, referrals offered, accepted and completed. */
export function countyLog(events: number): Stored[] {
  const log: Stored[] = [];
  // Each aggregate's events link to the previous one's hash, as the agencies' logs do.
  const heads = new Map<string, string>();
  const at = (i: number) => new Date(1_790_000_000_000 + i * 30_000).toISOString();
  const put = (
    agency: string,
    kind: "lead" | "referral",
    id: string,
    to: string | undefined,
    type: string,
    data: unknown,
  ) => {
    const eventId = randomUUID();
    const bytes = Buffer.from(
      JSON.stringify({
        specversion: "1.0",
        id: eventId,
        source: `liandong:${COUNTY}:${agency}`,
        type,
        time: at(log.length),
        subject: id,
        county: COUNTY,
        agency,
        actor: `${agency}.liaison`,
        aggregate: { kind, id },
        ...(to ? { to } : {}),
        correlationId: eventId,
        prev: heads.get(id) ?? null,
        data,
      }),
    );
    heads.set(id, createHash("sha256").update(bytes).digest("hex"));
    log.push({ subject: eventSubject({ county: COUNTY, agency, kind, id, to }), bytes });
  };
  for (let i = 0; log.length < events; i++) {
    const from = AGENCIES[i % 5]!;
    const to = AGENCIES[(i + 1) % 5]!;
    const leadId = randomUUID();
    const lead = {
      leadId,
      source: "record-audit",
      violations: [VIOLATIONS[i % 3]!],
      target: { kind: "institution", name: `某镇卫生院${i % 300}`, county: COUNTY },
      summary: "病历档案核查发现异常引产记录",
      evidence: [],
      handling: [],
    };
    put(from, "lead", leadId, undefined, "lead.reported", {
      ...lead,
      targetKey: "b".repeat(64),
      recipients: [to],
    });
    put(from, "lead", leadId, to, "lead.shared", {
      leadId,
      to,
      originator: from,
      reason: "source:record-audit",
      lead,
    });
    const referralId = randomUUID();
    put(from, "referral", referralId, to, "referral.offered", {
      referralId,
      kind: "handling",
      from,
      to,
      about: { kind: "lead", id: leadId },
      reason: "请核查",
      acceptBy: at(log.length + 100),
      completeBy: at(log.length + 3000),
      evidence: [],
    });
    if (i % 4 !== 0)
      put(to, "referral", referralId, from, "referral.accepted", { referralId, by: to });
    if (i % 4 === 2)
      put(to, "referral", referralId, from, "referral.completed", {
        referralId,
        by: to,
        feedback: { actions: "已核查", outcome: "立案查处" },
      });
  }
  return log;
}

/**
 * The office's tracking projection rebuilt from a county log of `events` events, as the office
 * does at start: each message decoded, validated against the catalogue and its subject (on a
 * second thread, a few batches ahead: `CheckAhead`), and applied to the lead and referral trackers and the statistics (the log is read from memory:
 * this measures the office's own work). Then the tracker's filtered list, with `referrals`
 * referrals in the county, as the handler computes it.
 */
export async function officeBench(opts: {
  events: number;
  referrals: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const log = countyLog(opts.events);
  // The checking thread the office runs: check-worker.js as the county's build bundles it beside
  // the services, not its sources transpiled by tsx inside the thread at every start (~0.5 s of
  // CPU a pass that is the benchmark's runner's, not the office's).
  const threadDir = mkdtempSync(join(tmpdir(), "liandong-bench-"));
  const thread = join(threadDir, "check-worker.js");
  await bundleCheckWorker(thread);
  const messages: StreamMessage[] = log.map((m, i) => ({
    subject: m.subject,
    seq: i + 1,
    data: m.bytes,
  }));
  // What each agency's checkpoints sealed: its events' hashes, in stream order.
  const sealed = new Map<string, string[]>();
  for (const m of log) {
    const agency = m.subject.split(".")[3]!;
    const list = sealed.get(agency) ?? [];
    list.push(sha256Hex(m.bytes).slice(0, 32));
    sealed.set(agency, list);
  }
  const rebuild = async () => {
    const leads: Tracker = new Map();
    const referrals: ReferralTracker = new Map();
    // No cases in this log: the office's case records, empty (what the statistics read them from).
    const cases = new Map();
    const stats = new Statistics(COUNTY, { cases, referrals });
    // The agencies' checkpoints, read before the rebuild as the office reads them: each event is
    // then taken on its checkpoint's word (its hash the next one sealed), as in the office.
    const ahead = new SealedAhead();
    for (const [agency, hashes] of sealed) ahead.add(COUNTY, agency, hashes);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const mainNs = mainThreadNs();
    // As the office rebuilds: checked on a second thread a few batches ahead, applied here in order.
    const checking = new CheckAhead<StreamMessage>({
      decode: () => true,
      apply: (m, v) => {
        if (!v.decoded || !v.ok) throw new Error(`event ${m.seq} refused`);
        if (!ahead.take(v.event.county, v.event.agency, v.hash))
          throw new Error(`event ${m.seq} not sealed ahead`);
        evolve(leads, v.event);
        // As the office does: a referral's step is recorded with its hash, its entitlement replayed.
        const step = evolveReferrals(referrals, { leads, cases }, v.event, {
          seq: m.seq,
          hash: v.hash,
        });
        if (step && !step.ok)
          throw new Error(`referral step not recorded: ${JSON.stringify(step)}`);
        stats.apply(v.event);
        return undefined;
      },
      onError: (err) => {
        throw err;
      },
      thread: pathToFileURL(thread),
    });
    for (const m of messages) {
      const full = checking.push(m);
      if (full) await full;
    }
    await checking.close();
    const used = process.cpuUsage(cpu);
    const main = mainThreadNs();
    return {
      seconds: (performance.now() - started) / 1000,
      // Every thread's (the checking thread's, the collector's) and this one's: steadier than the
      // wall clock on a shared machine, and they tell which side a change moved.
      cpuUs: used.user + used.system,
      mainCpuUs: main === undefined || mainNs === undefined ? undefined : (main - mainNs) / 1000,
      referrals,
    };
  };
  // One projection alive at a time, as in the office: a pass's tracker is let go before the next
  // is built (three trackers alive at once made the collector, not the office, the measure).
  const passes: { seconds: number; cpuUs: number; mainCpuUs: number | undefined }[] = [];
  let last: Awaited<ReturnType<typeof rebuild>> | undefined;
  for (let i = 0; i < 3; i++) {
    last = undefined;
    last = await rebuild();
    passes.push({ seconds: last.seconds, cpuUs: last.cpuUs, mainCpuUs: last.mainCpuUs });
  }
  rmSync(threadDir, { recursive: true, force: true });
  const median = [...passes].sort((a, b) => a.seconds - b.seconds)[1]!;
  const perEvent = (us: number) => Number((us / log.length).toFixed(2));
  opts.log(
    `办公室重建台账 ${log.length} 条事件：${passes.map((p) => p.seconds.toFixed(2)).join(" / ")} 秒；` +
      `每条事件 CPU ${passes.map((p) => perEvent(p.cpuUs)).join(" / ")} 微秒` +
      `（主线程 ${passes.map((p) => (p.mainCpuUs === undefined ? "—" : perEvent(p.mainCpuUs))).join(" / ")}）`,
  );

  // The list with `opts.referrals` referrals: the first ones of the rebuilt tracker.
  const tracker: ReferralTracker = new Map([...last!.referrals].slice(0, opts.referrals));
  const filters = [
    {},
    { agency: "health" },
    { status: "accepted" as const },
    { violation: "intermediary" as const },
    { overdue: false },
    { agency: "commerce", status: "offered" as const },
  ];
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    // As the handler answers (tracker-routes.ts): the matching ids, then only the page's referrals.
    const ids = referralsMatching(tracker, filters[i % filters.length]!);
    const page = ids.slice(0, 200).map((id) => {
      const r = tracker.get(id)!;
      return { ...r, overdueNow: isOverdue(r) };
    });
    JSON.stringify({ items: page, total: ids.length });
    latencies.push(performance.now() - t0);
  }
  opts.log(`台账筛选（${tracker.size} 条移交）300 次`);
  return {
    "office.rebuild_events_per_s": {
      value: Math.round(log.length / median.seconds),
      unit: "events/s",
    },
    "office.rebuild_log_events": { value: log.length, unit: "events" },
    // The median pass's CPU per event: every thread's, and the applying thread's alone.
    "office.rebuild_cpu_us_per_event": { value: perEvent(median.cpuUs), unit: "us" },
    ...(median.mainCpuUs === undefined
      ? {}
      : {
          "office.rebuild_main_cpu_us_per_event": {
            value: perEvent(median.mainCpuUs),
            unit: "us",
          },
        }),
    "office.api_p99_ms": { value: Number(percentile(latencies, 0.99).toFixed(2)), unit: "ms" },
    "office.api_referrals": { value: tracker.size, unit: "referrals" },
  };
}

/**
 * `officeBench` in a process of its own, started as the county starts the office: its node flags
 * (`nodeFlags`: a young generation of 2 MB a half would make the rebuild a third slower than the
 * benchmark's own process measured it) and its allocator settings.
 */
export async function officeProcess(opts: {
  events: number;
  referrals: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const child = fork(
    fileURLToPath(new URL("./office-process.ts", import.meta.url)),
    [JSON.stringify({ events: opts.events, referrals: opts.referrals })],
    {
      execArgv: [...nodeFlags("office"), "--import", "tsx"],
      env: { ...process.env, ...LEAN_MALLOC },
    },
  );
  let figures: Record<string, Figure> | undefined;
  child.on("message", (m: { log?: string; figures?: Record<string, Figure> }) => {
    if (m.log !== undefined) opts.log(m.log);
    if (m.figures) figures = m.figures;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (!figures) throw new Error(`the office's benchmark process ended (${code}) with no figures`);
  opts.log(`（以办公室的启动参数运行：${nodeFlags("office").join(" ")}）`);
  return figures;
}

/** CPU time of the calling thread so far, in nanoseconds (Linux: its schedstat); undefined elsewhere. */
function mainThreadNs(): number | undefined {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}
