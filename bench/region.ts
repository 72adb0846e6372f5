import { crossBorderSubject, STREAMS } from "@liandong/contracts";
import { EventPublisher } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { freePort } from "../services/county/src/free-port.ts";
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
      for await (const m of watching) arrivals.get(m.subject.split(".")[6]!)?.();
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
    for (;;) {
      const n = (await jsm.streams.info(STREAMS.events)).state.messages - before;
      if (n >= opts.backlog) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    opts.log(`断链期间积压 ${opts.backlog} 条，恢复后 ${seconds.toFixed(2)} 秒送达`);
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
    };
  } finally {
    await liangzhou.stop();
    await proxy.close();
    await ganzhou.stop();
  }
}
