import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { checkpointSigningText, MAX_SEALED_PER_CHECKPOINT, STREAMS } from "@liandong/contracts";
import { office } from "@liandong/office";
import {
  loadEnv,
  provisionCounty,
  runService,
  type Signer,
  sha256Hex,
  signerFromSeed,
} from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../test/support/nats-server.ts";
import { countyLog } from "./office.ts";
import type { Figure } from "./run.ts";

export const COUNTY = "441723";
export const AGENCIES = [
  "health",
  "family-planning",
  "public-security",
  "drug-regulation",
  "commerce",
];
/** The county's clock during the run: the log's first instant (no deadline of it has passed). */
export const LOG_START = new Date(1_790_000_000_000);

type Stored = { subject: string; bytes: Uint8Array };

/**
 * The bench's county log (`countyLog`) with each agency's events sealed in signed checkpoints of
 * MAX_SEALED_PER_CHECKPOINT, as the services' sealers do: the office takes each event on its
 * checkpoint's word, as it does a real county's log.
 */
export function sealedLog(
  events: number,
  signers: Record<string, Signer>,
  cutAt: number,
): { log: Stored[]; cut: number } {
  const out: Stored[] = [];
  const sealing = Object.fromEntries(
    AGENCIES.map((a) => [a, { pending: [] as string[], index: 0, prev: null as string | null }]),
  );
  const seal = (agency: string) => {
    const s = sealing[agency]!;
    const hashes = s.pending.splice(0);
    const text = checkpointSigningText(COUNTY, { agency, index: s.index, hashes }, s.prev);
    const id = `audit-${agency}`;
    const bytes = Buffer.from(
      JSON.stringify({
        specversion: "1.0",
        id: crypto.randomUUID(),
        source: `liandong:${COUNTY}:${agency}`,
        type: "audit.checkpoint",
        time: new Date(LOG_START.getTime() + out.length * 30_000).toISOString(),
        subject: id,
        county: COUNTY,
        agency,
        actor: `${agency}.sealer`,
        aggregate: { kind: "audit", id },
        correlationId: id,
        prev: s.prev,
        data: {
          agency,
          index: s.index,
          hashes,
          key: signers[agency]!.publicKey,
          signature: signers[agency]!.sign(text),
        },
      }),
    );
    out.push({ subject: `ld.ev.${COUNTY}.${agency}.audit.${id}`, bytes });
    s.prev = sha256Hex(bytes);
    s.index += hashes.length;
  };
  let cut = 0;
  for (const m of countyLog(events)) {
    // Where the snapshot is taken, every event before is sealed (the events carry no seal of
    // their own here: a real log's are sealed as published, and checkpointed at once).
    if (out.length >= cutAt && cut === 0) {
      for (const a of AGENCIES) if (sealing[a]!.pending.length > 0) seal(a);
      cut = out.length;
    }
    out.push(m);
    const agency = m.subject.split(".")[3]!;
    sealing[agency]!.pending.push(sha256Hex(m.bytes).slice(0, 32));
    if (sealing[agency]!.pending.length >= MAX_SEALED_PER_CHECKPOINT) seal(agency);
  }
  for (const a of AGENCIES) if (sealing[a]!.pending.length > 0) seal(a);
  return { log: out, cut: cut || out.length };
}

/** The heap in use (MB), after a `collectGarbage`: what the bench itself still holds. */
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1e6);

/**
 * A full garbage collection, at once; answers how long it took (ms). The bench runs its offices
 * one after another in one process: what the previous one held (a year of projections) is
 * collected before the next start is timed, as a county's office starts in a process of its own.
 */
function collectGarbage(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const from = performance.now();
  gc();
  return performance.now() - from;
}

/**
 * `office.ready_s_1m`: a county log of `events` events in a real nats-server stream; the office
 * (its start as the service runs it, bus and HTTP included) started with a snapshot covering all
 * but the last `tail` events, timed from its start to its first answer from the tracker; then
 * started with none (the whole log replayed), timed the same way, in the same run.
 */
export async function officeReadyBench(opts: {
  events: number;
  tail: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const server = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), "liandong-office-ready-"));
  try {
    const signers = Object.fromEntries(
      AGENCIES.map((a) => [a, signerFromSeed(new TextDecoder().decode(createUser().getSeed()))]),
    );
    const nc = await connect({ servers: server.url, noAsyncTraces: true });
    await provisionCounty(nc, { county: COUNTY, agencies: [...AGENCIES, "office"] });
    const made = sealedLog(opts.events, signers, opts.events - opts.tail);
    const { cut } = made;
    // Let go of once stored: the office's projections need the memory.
    let log: Stored[] | undefined = made.log;
    made.log = [];
    const total = log.length;
    // Stored one by one with their acknowledgements, a window of them in flight (a stream drops
    // core publishes past its ingest queue).
    // A busy machine answers slowly: acknowledgements waited for longer than the default 5 s.
    const js = jetstream(nc, { timeout: 30_000 });
    const publish = async (from: number, to: number) => {
      const inFlight = new Set<Promise<unknown>>();
      for (let i = from; i < to; i++) {
        const p: Promise<unknown> = js
          .publish(log![i]!.subject, log![i]!.bytes)
          .then(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= 512) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      const info = await (await jetstreamManager(nc)).streams.info(STREAMS.events);
      if (info.state.messages !== to)
        throw new Error(`EVENTS holds ${info.state.messages} messages, not ${to}`);
    };
    let t0 = performance.now();
    await publish(0, cut);

    // The office's files, as the launcher writes them.
    writeFileSync(join(dir, "office.nk"), new TextDecoder().decode(createUser().getSeed()));
    writeFileSync(
      join(dir, "county.json"),
      JSON.stringify({
        county: COUNTY,
        auditKeys: Object.fromEntries(AGENCIES.map((a) => [a, signers[a]!.publicKey])),
      }),
    );
    const token = randomBytes(24).toString("hex");
    writeFileSync(
      join(dir, "officers.json"),
      JSON.stringify([
        {
          id: "office.liaison",
          agency: "office",
          name: "办公室联络员",
          tokenSha256: createHash("sha256").update(token).digest("hex"),
        },
      ]),
    );
    const env = (snapshots: boolean) =>
      loadEnv({
        LIANDONG_AGENCY: "office",
        LIANDONG_NATS_URL: server.url,
        LIANDONG_NATS_SEED_FILE: join(dir, "office.nk"),
        LIANDONG_HTTP_PORT: "0",
        LIANDONG_CONFIG: join(dir, "county.json"),
        LIANDONG_OFFICERS: join(dir, "officers.json"),
        LIANDONG_LOG_LEVEL: process.env.LIANDONG_BENCH_LOG_LEVEL ?? "warn",
        ...(snapshots ? { LIANDONG_SNAPSHOT_DIR: join(dir, "snapshot") } : {}),
      });
    // From the start of the process's service to the tracker's first answer, once ready.
    const ready = async (snapshots: boolean) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const running = await runService(env(snapshots), (ctx) => office(ctx), {
        clock: () => LOG_START,
      });
      // A connection of its own each time: a kept-alive one may be closed under a busy server.
      const get = (path: string) =>
        fetch(`${running.url}${path}`, {
          headers: { authorization: `Bearer ${token}`, connection: "close" },
        }).catch(() => undefined);
      let list: { total: number } | undefined;
      for (;;) {
        const r = await get("/readyz");
        await r?.arrayBuffer();
        if (r?.ok) {
          const t = await get("/tracker/referrals?limit=50");
          if (t?.ok) {
            list = (await t.json()) as { total: number };
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      // CPU of this process meanwhile (the office's, its threads' included: the bench waits):
      // steadier than the wall clock on a shared machine.
      const cpuSeconds = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu));
      const readyz = (await (await fetch(`${running.url}/readyz`)).json()) as {
        snapshot?: { restored: number | null };
      };
      // Stopped here, and nothing of it returned but its figures: a stopped office still held
      // (its routes hold its projections) is not collected before the next start is timed.
      await running.stop();
      return {
        seconds,
        cpuSeconds,
        total: list.total,
        restored: readyz.snapshot?.restored ?? null,
      };
    };
    opts.log(
      `办公室启动基准：${total} 条事件写入 nats-server（${((performance.now() - t0) / 1000).toFixed(1)} 秒）`,
    );

    // The snapshot: the office replays the log up to the cut and keeps what it folded at its stop.
    await ready(true);
    t0 = performance.now();
    await publish(cut, total);
    log = undefined;

    const deadLetters = async () =>
      (await (await jetstreamManager(nc)).streams.info(STREAMS.deadLetters)).state.messages;
    const dead0 = await deadLetters();
    const gcBefore = collectGarbage();
    const heapBefore = heapMb();
    const fromSnapshot = await ready(true);
    const dead1 = await deadLetters();
    const gcBetween = collectGarbage();
    const heapBetween = heapMb();
    const replayed = await ready(false);
    opts.log(`死信：首次 ${dead0}，快照启动后 ${dead1}，全量重放后 ${await deadLetters()}`);
    opts.log(
      `计时前回收上一个办公室的堆（不计入）：快照启动前 ${(gcBefore / 1000).toFixed(2)} 秒（余 ${heapBefore} MB），全量重放前 ${(gcBetween / 1000).toFixed(2)} 秒（余 ${heapBetween} MB）`,
    );
    if (fromSnapshot.restored === null || replayed.restored !== null)
      throw new Error("the snapshot was not restored, or restored where it should not be");
    if (fromSnapshot.total !== replayed.total)
      throw new Error(`tracker differs: ${fromSnapshot.total} ≠ ${replayed.total}`);
    opts.log(
      `办公室就绪（回答台账）：快照（截至第 ${fromSnapshot.restored} 条）+ 尾部 ${total - fromSnapshot.restored} 条 ${fromSnapshot.seconds.toFixed(2)} 秒（CPU ${fromSnapshot.cpuSeconds.toFixed(2)} 秒）；全量重放 ${total} 条 ${replayed.seconds.toFixed(2)} 秒（CPU ${replayed.cpuSeconds.toFixed(2)} 秒）（台账 ${replayed.total} 条移交）`,
    );
    await nc.close();
    return {
      "office.ready_s_1m": { value: Number(fromSnapshot.seconds.toFixed(2)), unit: "s" },
      "office.ready_full_replay_s": { value: Number(replayed.seconds.toFixed(2)), unit: "s" },
      "office.ready_cpu_s_1m": { value: Number(fromSnapshot.cpuSeconds.toFixed(2)), unit: "s" },
      "office.ready_full_replay_cpu_s": {
        value: Number(replayed.cpuSeconds.toFixed(2)),
        unit: "s",
      },
      "office.ready_log_events": { value: total, unit: "events" },
      "office.ready_tail_events": { value: total - fromSnapshot.restored, unit: "events" },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
