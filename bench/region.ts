import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crossBorderSubject, STREAMS } from "@liandong/contracts";
import { EventPublisher } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { request } from "undici";
import type { RunningCounty } from "../services/county/src/county.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { type RunningRegion, startRegion } from "../services/county/src/region.ts";
import { linkKey, startRegionCounty } from "../test/support/region.ts";
import { startTcpProxy } from "../test/support/tcp-proxy.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";

/**
 * Two counties as separate servers, linked through a proxy that can be cut. The bus's part of
 * a cross-border hand-off: from Ganzhou's publish to the event in Liangzhou's health inbox, one
 * at a time over a live link; then `backlog` events published while the link is down, and the
 * rate at which they drain into Liangzhou once it returns.
 */
export async function regionBench(opts: {
  deliveries: number;
  backlog: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const leafPort = await freePort();
  const link = linkKey();
  const ganzhou = await startRegionCounty(GANZHOU, [LIANGZHOU], {
    listen: { host: "127.0.0.1", port: leafPort },
    accept: [{ neighbour: LIANGZHOU, publicKey: link.publicKey }],
    connect: [],
  });
  const proxy = await startTcpProxy(await freePort(), leafPort);
  const liangzhou = await startRegionCounty(LIANGZHOU, [GANZHOU], {
    accept: [],
    connect: [{ neighbour: GANZHOU, url: `nats-leaf://127.0.0.1:${proxy.port}`, seed: link.seed }],
  });
  try {
    await ganzhou.provision();
    await liangzhou.provision();
    const publisher = new EventPublisher(await ganzhou.as("health"), {
      county: GANZHOU,
      agency: "health",
    });
    const subject = (id: string) =>
      crossBorderSubject({
        toCounty: LIANGZHOU,
        county: GANZHOU,
        agency: "health",
        kind: "referral",
        id,
        to: "health",
      });
    const arrivals = new Map<string, () => void>();
    const inbox = await jetstream(liangzhou.admin).consumers.get(STREAMS.inbox("health"));
    const watching = await inbox.consume();
    void (async () => {
      // ld.ev.<county>.<agency>.<kind>.<id>.<to>.<to-county>: the referral's id is the sixth token.
      for await (const m of watching) arrivals.get(m.subject.split(".")[5]!)?.();
    })();
    const latencies: number[] = [];
    for (let i = 0; i < opts.deliveries + 20; i++) {
      const id = `d${i}`;
      const arrived = new Promise<void>((r) => arrivals.set(id, r));
      const t0 = performance.now();
      await publisher.publishBytes(subject(id), Buffer.from(`{"n":${i}}`), id);
      await arrived;
      if (i >= 20) latencies.push(performance.now() - t0);
    }
    watching.stop();
    opts.log(`跨县送达 ${opts.deliveries} 次（总线部分）`);

    // The backlog: published while the link is down, drained when it returns.
    const jsm = await jetstreamManager(liangzhou.admin);
    const before = (await jsm.streams.info(STREAMS.events)).state.messages;
    await proxy.close();
    await Promise.all(
      Array.from({ length: opts.backlog }, (_, i) =>
        publisher.publishBytes(subject(`b${i}`), Buffer.from(`{"n":${i}}`), `b${i}`),
      ),
    );
    const started = performance.now();
    await proxy.open();
    // Two parts: the link coming back (leaf reconnect, the source consumer recreated), then
    // the backlog draining over it. The drain rate is the second; the first is reported apart.
    let resumed = 0;
    for (;;) {
      const n = (await jsm.streams.info(STREAMS.events)).state.messages - before;
      if (n > 0 && resumed === 0) resumed = performance.now();
      if (n >= opts.backlog) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const finished = performance.now();
    const seconds = (finished - resumed) / 1000;
    opts.log(
      `断链期间积压 ${opts.backlog} 条：恢复链路后 ${((resumed - started) / 1000).toFixed(2)} 秒开始送达，${seconds.toFixed(2)} 秒送完`,
    );
    await publisher.close();
    return {
      "region.bus_delivery_p50_ms": {
        value: Number(percentile(latencies, 0.5).toFixed(2)),
        unit: "ms",
      },
      "region.bus_delivery_p99_ms": {
        value: Number(percentile(latencies, 0.99).toFixed(2)),
        unit: "ms",
      },
      "region.catchup_events_per_s": {
        value: Math.round(opts.backlog / seconds),
        unit: "events/s",
      },
      "region.catchup_backlog_events": { value: opts.backlog, unit: "events" },
      "region.catchup_resume_ms": { value: Math.round(resumed - started), unit: "ms" },
      "region.catchup_total_s": {
        value: Number(((finished - started) / 1000).toFixed(2)),
        unit: "s",
      },
    };
  } finally {
    await liangzhou.stop();
    await proxy.close();
    await ganzhou.stop();
  }
}

/**
 * The whole cross-border hand-off, as officers see it: two counties of a region, each its own
 * nats-server and services (real processes), linked by a leaf node. From Ganzhou health's offer
 * (`POST /referrals`, the lead's target in Liangzhou) to the referral answering in Liangzhou
 * health's service (a long poll), one at a time. Twice at once, the same in every other way: a
 * region whose link is in clear, and one whose link is mutual TLS; the deliveries alternate
 * between the two, so that both see the same moments of a shared machine.
 */
export async function regionHttpBench(opts: {
  natsServer: string;
  deliveries: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const started: { stop(): Promise<void>; dir: string }[] = [];
  const start = async (tls: boolean) => {
    const stateDir = mkdtempSync(join(tmpdir(), `liandong-bench-region-${tls ? "tls" : "plain"}-`));
    const configFile = join(stateDir, "input.json");
    writeFileSync(configFile, JSON.stringify({ county: GANZHOU }));
    const region = await startRegion({
      root: resolve(import.meta.dirname, ".."),
      stateDir,
      configFile,
      natsServer: opts.natsServer,
      ports: "free",
      neighbour: LIANGZHOU,
      tls,
    });
    started.push({ stop: () => region.stop(), dir: stateDir });
    return region;
  };
  const as = (county: RunningCounty, agency: string) => {
    const token = county.tokens.find((t) => t.officer === `${agency}.liaison`)?.token ?? "";
    return async (method: "GET" | "POST", path: string, body?: unknown) => {
      const res = await request(`${county.urls[agency]}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    };
  };
  /** One region's hand-off, ready to time: the lead made, a function for one delivery. */
  const prepare = async (region: RunningRegion) => {
    const here = as(region.home, "health");
    const there = as(region.neighbour, "health");
    const lead = await here("POST", "/leads", {
      source: "record-audit",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "凉州区某诊所", county: LIANGZHOU },
      summary: "跨县移交基准",
    });
    const leadId = String(lead.body.leadId);
    return async (i: number) => {
      const t0 = performance.now();
      const offered = await here("POST", "/referrals", {
        to: "health",
        about: { kind: "lead", id: leadId },
        reason: `第${i}次跨县移交`,
      });
      if (offered.status !== 201) throw new Error(`offer refused: ${offered.status}`);
      const seen = await there("GET", `/referrals/${String(offered.body.referralId)}?wait=30000`);
      if (seen.status !== 200) throw new Error(`referral did not reach Liangzhou: ${seen.status}`);
      return performance.now() - t0;
    };
  };
  try {
    const plain = await prepare(await start(false));
    const tls = await prepare(await start(true));
    const latencies = { plain: [] as number[], tls: [] as number[] };
    for (let i = 0; i < opts.deliveries + 10; i++) {
      // Which goes first alternates too.
      const order = i % 2 === 0 ? (["plain", "tls"] as const) : (["tls", "plain"] as const);
      for (const which of order) {
        const ms = await (which === "plain" ? plain : tls)(i);
        // The first few warm the links and the services up.
        if (i >= 10) latencies[which].push(ms);
      }
    }
    opts.log(
      `跨县移交 ${opts.deliveries} 次（HTTP 到对方收件箱），链路明文与双向 TLS 各一套、交替进行`,
    );
    const ms = (xs: number[], p: number) => ({
      value: Number(percentile(xs, p).toFixed(2)),
      unit: "ms",
    });
    return {
      "region.delivery_p50_ms": ms(latencies.plain, 0.5),
      "region.delivery_p99_ms": ms(latencies.plain, 0.99),
      "region.delivery_tls_p50_ms": ms(latencies.tls, 0.5),
      "region.delivery_tls_p99_ms": ms(latencies.tls, 0.99),
    };
  } finally {
    for (const r of started) {
      await r.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  }
}
