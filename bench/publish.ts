import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type EventData, eventSubject, STREAMS } from "@liandong/contracts";
import {
  EventPublisher,
  eventMaker,
  prepareEvent,
  SEAL_BATCH,
  type Signer,
  sealsOf,
  sha256Hex,
  signerFromSeed,
} from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { connect, headers } from "@nats-io/transport-node";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

const COUNTY = "441723";
const AGENCY = "health";

function leadData(i: number): EventData<"lead.reported"> {
  const leadId = randomUUID();
  return {
    leadId,
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: `某镇卫生院${i % 500}`, unit: "产科", county: COUNTY },
    summary: "查阅产科病历档案：同一姓名一年内有五次引产记录，疑为冒名。",
    evidence: [{ ref: `health:archive/${i}.pdf`, sha256: "a".repeat(64) }],
    handling: [],
    targetKey: "b".repeat(64),
    recipients: ["public-security", "family-planning"],
  };
}

/**
 * Typed publishing through the runtime against a plain `js.publish` loop of the NATS client
 * (also `noAsyncTraces`, the same window of outstanding publishes, the same payload bytes, the
 * same driver timing each publish), against one server. Each round publishes `events` on each
 * side in `slices` interleaved turns, so that both sides see the same machine.
 */
export async function publishBench(opts: {
  url: string;
  /** The server's process, for its CPU time per event (read from /proc where there is one). */
  serverPid?: number;
  events: number;
  window: number;
  rounds: number;
  /** Turns per round and side, alternating which side goes first. */
  slices: number;
  log: (s: string) => void;
}) {
  const nc = await connect({ servers: opts.url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: STREAMS.events,
    subjects: ["ld.ev.>"],
    duplicate_window: 120_000_000_000,
  });
  const js = jetstream(nc);
  // Sealed at the source, as every service publishes: the typed side signs each event.
  const signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
  const publisher = new EventPublisher(nc, {
    county: COUNTY,
    agency: AGENCY,
    window: opts.window,
    signer,
  });

  // One turn of each side: `n` publishes, their inputs made before the clock starts.
  const typedTurn = async (n: number, meter: Meter) => {
    const latencies: number[] = new Array(n);
    const data = Array.from({ length: n }, (_, i) => leadData(i));
    const seconds = await drive(n, opts.window, meter, (i) => {
      const d = data[i]!;
      const t0 = performance.now();
      return publisher
        .publish({
          type: "lead.reported",
          actor: "health.liaison",
          aggregate: { kind: "lead", id: d.leadId },
          data: d,
          prev: null,
        })
        .then((published) => {
          // Its hash, as an aggregate's log takes it for the next event's `prev`.
          if (published.hash.length !== 64) throw new Error("no event hash");
          latencies[i] = performance.now() - t0;
        });
    });
    return { seconds, latencies };
  };

  const rawTurn = async (n: number, meter: Meter) => {
    // The same envelope bytes a typed publish produces, prepared outside the timed loop.
    const payloads = Array.from({ length: n }, (_, i) => {
      const data = leadData(i);
      const id = randomUUID();
      const envelope = {
        specversion: "1.0",
        id,
        source: `liandong:${COUNTY}:${AGENCY}`,
        type: "lead.reported",
        time: new Date().toISOString(),
        subject: data.leadId,
        county: COUNTY,
        agency: AGENCY,
        actor: "health.liaison",
        aggregate: { kind: "lead", id: data.leadId },
        correlationId: id,
        prev: null,
        data,
      };
      return {
        id,
        subject: eventSubject({ county: COUNTY, agency: AGENCY, kind: "lead", id: data.leadId }),
        bytes: Buffer.from(JSON.stringify(envelope)),
      };
    });
    const latencies: number[] = new Array(n);
    const seconds = await drive(n, opts.window, meter, (i) => {
      const p = payloads[i]!;
      const t0 = performance.now();
      const h = headers();
      h.set("Liandong-Event-Type", "lead.reported");
      return js.publish(p.subject, p.bytes, { msgID: `${AGENCY}:${p.id}`, headers: h }).then(() => {
        latencies[i] = performance.now() - t0;
      });
    });
    return { seconds, latencies };
  };

  // Warm up both paths.
  const unmetered: Meter = { start() {}, stop() {} };
  await typedTurn(opts.events, unmetered);
  await rawTurn(opts.events, unmetered);
  // A round of each side in turn took a second or two, and in that time this machine's speed
  // moved enough to swing a pair's ratio between 0.74 and 1.45 in one run. Short turns,
  // alternating, let both sides of a round see the same machine. The figure is the median of
  // the rounds' ratios.
  const turn = Math.ceil(opts.events / opts.slices);
  // CPU time each side costs, whatever the machine's speed: this process and the server's.
  // And this process's main thread's CPU time alone, where the typed side's own work runs: the
  // side whose thread is saturated is bound by it, whatever the other threads have left.
  const cpu = {
    typed: { client: 0, server: 0, main: 0 },
    raw: { client: 0, server: 0, main: 0 },
  };
  // Over the timed part of a turn alone (not its inputs' making).
  const meterOf = (side: keyof typeof cpu): Meter => {
    let c0 = process.cpuUsage();
    let s0 = 0;
    let m0 = 0;
    return {
      start() {
        c0 = process.cpuUsage();
        s0 = serverCpuMicros(opts.serverPid);
        m0 = serverCpuMicros(process.pid, process.pid);
      },
      stop() {
        const c = process.cpuUsage(c0);
        cpu[side].main += serverCpuMicros(process.pid, process.pid) - m0;
        cpu[side].client += c.user + c.system;
        cpu[side].server += serverCpuMicros(opts.serverPid) - s0;
      },
    };
  };
  const turns = { typed: typedTurn, raw: rawTurn };
  const typed: number[] = [];
  const raw: number[] = [];
  const ratios: number[] = [];
  const latencies = { typed: [] as number[], raw: [] as number[] };
  for (let r = 0; r < opts.rounds; r++) {
    const seconds = { typed: 0, raw: 0 };
    for (let s = 0, done = 0; done < opts.events; s++, done += turn) {
      const n = Math.min(turn, opts.events - done);
      const order = (r + s) % 2 === 0 ? (["raw", "typed"] as const) : (["typed", "raw"] as const);
      for (const side of order) {
        const t = await turns[side](n, meterOf(side));
        seconds[side] += t.seconds;
        latencies[side].push(...t.latencies);
      }
    }
    typed.push(opts.events / seconds.typed);
    raw.push(opts.events / seconds.raw);
    ratios.push(seconds.raw / seconds.typed);
    opts.log(
      `第 ${r + 1} 轮：raw ${raw.at(-1)!.toFixed(0)} 条/秒，typed ${typed.at(-1)!.toFixed(0)} 条/秒（${ratios.at(-1)!.toFixed(3)}）`,
    );
  }
  await publisher.close();
  await nc.drain();
  const steps = typedSteps(signer);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figures: Record<string, Figure> = {
    "publish.typed_events_per_s": { value: Math.round(median(typed)), unit: "events/s" },
    "publish.raw_events_per_s": { value: Math.round(median(raw)), unit: "events/s" },
    "publish.typed_over_raw": { value: Number(median(ratios).toFixed(3)), unit: "ratio" },
    "publish.typed_p99_ms": {
      value: Number(percentile(latencies.typed, 0.99).toFixed(3)),
      unit: "ms",
    },
    "publish.raw_p99_ms": {
      value: Number(percentile(latencies.raw, 0.99).toFixed(3)),
      unit: "ms",
    },
  };
  const perEvent = (micros: number) => ({
    value: Number((micros / (opts.rounds * opts.events)).toFixed(1)),
    unit: "µs/event",
  });
  for (const side of ["typed", "raw"] as const) {
    figures[`publish.${side}_client_cpu_us`] = perEvent(cpu[side].client);
    figures[`publish.${side}_main_thread_us`] = perEvent(cpu[side].main);
    if (opts.serverPid) figures[`publish.${side}_server_cpu_us`] = perEvent(cpu[side].server);
  }
  for (const [step, us] of Object.entries(steps))
    figures[`publish.typed_${step}_us`] = { value: Number(us.toFixed(2)), unit: "µs/event" };
  return figures;
}

/**
 * Where the typed side's own work goes, per event, apart from the race (the fastest of a few
 * passes): an event made as the publisher makes it (validated against the catalogue, enveloped,
 * encoded), its SHA-256, and its seal in full batches (`SEAL_BATCH` under one signature). A
 * batch at a time, as the publisher holds them, not thousands kept at once.
 */
function typedSteps(signer: Signer): { prepare: number; hash: number; seal: number } {
  const batches = 100;
  const maker = eventMaker({ county: COUNTY, agency: AGENCY });
  const best = { prepare: Infinity, hash: Infinity, seal: Infinity };
  for (let pass = 0; pass < 5; pass++) {
    const spent = { prepare: 0, hash: 0, seal: 0 };
    for (let b = 0; b < batches; b++) {
      const data = Array.from({ length: SEAL_BATCH }, (_, i) => leadData(i));
      const t0 = performance.now();
      const prepared = data.map((d) =>
        prepareEvent(
          {
            type: "lead.reported",
            actor: "health.liaison",
            aggregate: { kind: "lead", id: d.leadId },
            data: d,
            prev: null,
          },
          maker,
        ),
      );
      const t1 = performance.now();
      const events = prepared.map((p) => ({ subject: p.subject, hash: sha256Hex(p.bytes) }));
      const t2 = performance.now();
      sealsOf(signer, events);
      const t3 = performance.now();
      spent.prepare += t1 - t0;
      spent.hash += t2 - t1;
      spent.seal += t3 - t2;
    }
    for (const step of ["prepare", "hash", "seal"] as const)
      best[step] = Math.min(best[step], (spent[step] * 1000) / (batches * SEAL_BATCH));
  }
  return best;
}

/**
 * A process's CPU time so far (user and system) in µs, from /proc, or one of its threads' (`tid`;
 * the main thread's is the process id); 0 where there is none.
 */
function serverCpuMicros(pid: number | undefined, tid?: number): number {
  if (!pid) return 0;
  try {
    const stat = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const f = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * The garbage a turn's inputs leave, collected before its clock starts: two scavenges move the
 * inputs the turn made (thousands of lead objects on the typed side, of buffers on the raw side)
 * out of the young generation, so that neither side's timed turn pays for copying what the
 * benchmark holds for the whole turn. Not a full collection: after one, V8 starts the next turn
 * with its young generation shrunk, and both sides ran a quarter slower (the typed side less so:
 * ratios of 1.09-1.12 that said nothing about publishing).
 */
const settleInputs = (() => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (options: { type: "minor" | "major" }) => void;
  return () => {
    gc({ type: "minor" });
    gc({ type: "minor" });
  };
})();

/** What a turn's timed part costs: told when it starts and when it ends. */
type Meter = { start(): void; stop(): void };

/** Runs `n` operations with at most `window` outstanding; returns the elapsed seconds. */
async function drive(
  n: number,
  window: number,
  meter: Meter,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  settleInputs();
  meter.start();
  const started = performance.now();
  let inflight = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const settle = () => {
    inflight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (let i = 0; i < n; i++) {
    while (inflight >= window) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
    inflight++;
    op(i).then(settle, (err) => {
      failure = err;
      settle();
    });
  }
  while (inflight > 0) await new Promise<void>((r) => (wake = r));
  const seconds = (performance.now() - started) / 1000;
  meter.stop();
  if (failure) throw failure;
  return seconds;
}
