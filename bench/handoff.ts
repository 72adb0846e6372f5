import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { startCounty } from "../services/county/src/county.ts";
import { referralFeed } from "../test/support/feed.ts";
import { startFloorChain } from "./floor.ts";
import { startHandoffFloor } from "./handoff-floor.ts";
import type { LeadLoad } from "./lead-load.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

const until = (at: number) =>
  new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));

type Call = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** Busy and total jiffies of the whole machine so far (Linux), for its load over a stretch. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1);
    const n = cpu.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = n[3]! + n[4]!;
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * From an offer's HTTP request to the referral being visible in the addressee's inbox (pushed
 * on its live feed), on a county bus in a box (real processes), while a steady background load
 * registers leads.
 *
 * Offers go out on a schedule (`offersPerSecond`), each measured alone: back to back, the offers
 * were the heavier load (500 a second took 1.7 of the 2 cores here) and each waited behind the
 * work its predecessor left (copies, seals, the office's reading). Between offers, one byte goes
 * around a chain of processes with as many one-way hops as the hand-off's path (client, sender,
 * nats-server, addressee, client): the machine's own floor under the same load, in the same run.
 * And between them an offer through the least hand-off that keeps the guarantees
 * (bench/handoff-floor.ts): how far above that chain a hand-off lands whatever its design.
 */
export async function handoffBench(opts: {
  natsServer: string;
  offers: number;
  offersPerSecond: number;
  backgroundPerSecond: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-bench-"));
  const configFile = join(stateDir, "input.json");
  writeFileSync(configFile, JSON.stringify({ county: "441723" }));
  const county = await startCounty({
    root: resolve(import.meta.dirname, ".."),
    stateDir,
    configFile,
    natsServer: opts.natsServer,
    ports: "free",
  });
  const tokenOf = (agency: string) =>
    county.tokens.find((t) => t.officer === `${agency}.liaison`)?.token ?? "";
  const as = (agency: string): Call => {
    const token = tokenOf(agency);
    return async (method, path, body) => {
      const res = await request(`${county.urls[agency]}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    };
  };
  try {
    const fp = as("family-planning");
    const lead = await fp("POST", "/leads", {
      source: "pregnancy-disappearance",
      violations: ["sex-selective-termination"],
      target: { kind: "person", name: "随访对象", county: "441723" },
      summary: "孕情不明原因消失",
    });
    const leadId = String(lead.body.leadId);

    // The background load registers leads at a steady rate (a schedule, not after each
    // answer) from a process of its own.
    const load = fork(
      fileURLToPath(new URL("./lead-load.ts", import.meta.url)),
      [
        JSON.stringify({
          url: county.urls.health!,
          token: tokenOf("health"),
          perSecond: opts.backgroundPerSecond,
        } satisfies LeadLoad),
      ],
      { execArgv: ["--import", "tsx"] },
    );
    type LoadReport = { started?: true; registered?: number; failed?: number };
    const reports: LoadReport[] = [];
    load.on("message", (m: LoadReport) => reports.push(m));
    /** The first report `match` accepts, received already or to come. */
    const report = (match: (r: LoadReport) => boolean) =>
      new Promise<LoadReport>((resolve, reject) => {
        const exited = (code: number | null) =>
          reject(new Error(`background load exited (${code})`));
        const check = () => {
          const r = reports.find(match);
          if (!r) return;
          load.off("message", check).off("exit", exited);
          resolve(r);
        };
        load.on("message", check).once("exit", exited);
        check();
      });
    await report((r) => r.started === true);
    // Measured once the load is steady.
    await new Promise((r) => setTimeout(r, 1000));

    // The addressee's live feed (移交动态), as its officer's page holds it open: a referral is
    // visible in health's inbox the moment the feed pushes it.
    const feed = referralFeed(county.urls.health!, tokenOf("health"), "?waiting=true");
    await feed.opened;
    const floor = await startFloorChain(4);
    // The least a hand-off with its guarantees costs (bench/handoff-floor.ts), timed the same way
    // under the same load: how far above the chain of do-nothing relays any hand-off lands.
    const party = await startHandoffFloor();
    for (let i = 0; i < 20; i++) await party.offer(-1 - i);
    const latencies: number[] = [];
    const posts: number[] = [];
    const floors: number[] = [];
    const parties: number[] = [];
    const interval = 1000 / opts.offersPerSecond;
    const before = machineJiffies();
    const started = performance.now();
    try {
      for (let i = 0; i < opts.offers; i++) {
        await until(started + i * interval);
        const t0 = performance.now();
        const offered = await fp("POST", "/referrals", {
          to: "health",
          about: { kind: "lead", id: leadId },
          reason: `第${i}次移交`,
        });
        posts.push(performance.now() - t0);
        if (offered.status !== 201) throw new Error(`offer refused: ${offered.status}`);
        const id = String(offered.body.referralId);
        const seen = await feed.next((r) => r.referralId === id);
        latencies.push(seen.at - t0);
        await until(started + (i + 1 / 3) * interval);
        const p0 = performance.now();
        await party.offer(i);
        parties.push(performance.now() - p0);
        await until(started + (i + 2 / 3) * interval);
        floors.push(await floor.ping());
      }
    } finally {
      await feed.close();
      await floor.close();
      await party.close();
    }
    const after = machineJiffies();
    load.send("stop");
    const background = (await report((r) => r.registered !== undefined)) as {
      registered: number;
      failed: number;
    };
    if (background.failed > 0)
      throw new Error(`${background.failed} background registrations failed`);
    const busy =
      before && after
        ? (100 * (after.busy - before.busy)) / (after.total - before.total)
        : undefined;
    opts.log(
      `移交 ${opts.offers} 次（每秒 ${opts.offersPerSecond} 次；背景负载 ${opts.backgroundPerSecond} 条线索/秒，共登记 ${background.registered} 条${busy === undefined ? "" : `；整机 CPU 占用 ${busy.toFixed(0)}%`}）`,
    );
    const ms = (xs: number[], p: number) => ({
      value: Number(percentile(xs, p).toFixed(2)),
      unit: "ms",
    });
    return {
      "handoff.floor_p50_ms": ms(floors, 0.5),
      "handoff.floor_p99_ms": ms(floors, 0.99),
      ...(busy === undefined
        ? {}
        : { "handoff.machine_busy_percent": { value: Number(busy.toFixed(1)), unit: "%" } }),
      "handoff.p50_ms": ms(latencies, 0.5),
      "handoff.p99_ms": ms(latencies, 0.99),
      "handoff.offer_request_p50_ms": ms(posts, 0.5),
      "handoff.offer_request_p99_ms": ms(posts, 0.99),
      // What our work adds to the machine's own floor, both taken in this run (goal ≤ 2 ms).
      "handoff.p99_over_floor_ms": {
        value: Number((percentile(latencies, 0.99) - percentile(floors, 0.99)).toFixed(2)),
        unit: "ms",
      },
      // The same for the least hand-off with its guarantees: what no design of ours goes below.
      "handoff.floor_party_p50_ms": ms(parties, 0.5),
      "handoff.floor_party_p99_ms": ms(parties, 0.99),
      "handoff.floor_party_p99_over_floor_ms": {
        value: Number((percentile(parties, 0.99) - percentile(floors, 0.99)).toFixed(2)),
        unit: "ms",
      },
    };
  } finally {
    await county.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
