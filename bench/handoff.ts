import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { startCounty } from "../services/county/src/county.ts";
import { referralFeed } from "../test/support/feed.ts";
import type { LeadLoad } from "./lead-load.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

type Call = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/**
 * From an offer's HTTP request to the referral being visible in the addressee's inbox (pushed
 * on its live feed), on a county bus in a box (real processes), while a steady background load
 * registers leads.
 */
export async function handoffBench(opts: {
  natsServer: string;
  offers: number;
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
    const latencies: number[] = [];
    const posts: number[] = [];
    try {
      for (let i = 0; i < opts.offers; i++) {
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
      }
    } finally {
      await feed.close();
    }
    load.send("stop");
    const background = (await report((r) => r.registered !== undefined)) as {
      registered: number;
      failed: number;
    };
    if (background.failed > 0)
      throw new Error(`${background.failed} background registrations failed`);
    opts.log(
      `移交 ${opts.offers} 次（背景负载 ${opts.backgroundPerSecond} 条线索/秒，共登记 ${background.registered} 条）`,
    );
    return {
      "handoff.p50_ms": { value: Number(percentile(latencies, 0.5).toFixed(2)), unit: "ms" },
      "handoff.p99_ms": { value: Number(percentile(latencies, 0.99).toFixed(2)), unit: "ms" },
      "handoff.offer_request_p50_ms": {
        value: Number(percentile(posts, 0.5).toFixed(2)),
        unit: "ms",
      },
      "handoff.offer_request_p99_ms": {
        value: Number(percentile(posts, 0.99).toFixed(2)),
        unit: "ms",
      },
    };
  } finally {
    await county.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
