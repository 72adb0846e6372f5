import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CITY_OFFICE, CountyConfig, eventSubject, OFFICE, STREAMS } from "@liandong/contracts";
import {
  connectBus,
  EventPublisher,
  keepSourcesFlowing,
  provisionCounty,
  readPresent,
} from "@liandong/runtime";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type PlannedBus, planCities } from "../services/county/src/city.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { ensureIdentities, type Identities } from "../services/county/src/identities.ts";
import { renderServerConfig } from "../services/county/src/server-config.ts";
import { type NatsServer, startNatsServer } from "../test/support/nats-server.ts";
import type { Figure } from "./run.ts";
import { percentile } from "./stats.ts";

/** 河西 and beyond: city codes of Gansu, each with counties numbered under it. */
const CITY_CODES = ["620700", "620600", "620300", "620900", "620800", "621000", "621100"];

type Bus = PlannedBus & {
  server: NatsServer;
  identities: Identities;
  agencies: string[];
  admin: NatsConnection;
  connections: NatsConnection[];
  keeper?: { stop(): void };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 上下联动 at the size of a region: `cities` cities of `counties` counties each (5 × 5: 30 buses),
 * each bus a real nats-server with the configuration the launcher generates (`planCities`: its
 * JetStream domain, identities and permissions, mutual TLS leaf-node links county → city and
 * city ↔ city, the streams that pass what one county addresses to a county of another city on
 * at each hub), and its link keeper. No services: a load generator in this process plays the
 * agencies and offices, publishing sealed events as they would (each county's agencies' own
 * work at `rate` events per second, in the background throughout).
 *
 * - `city.region_rollup_s`: every county's monthly report sent up at once, until each is on its
 *   city's office's inbox (the bus's part of `city.rollup_s`; the office's fold is not in it).
 * - `city.region_major_case_p99_ms`: a major case reported by a county's office to its city's
 *   office's inbox, one at a time across the region.
 * - `region.cross_city_delivery_p99_ms`: a referral from a county of one city to a county of
 *   another (county → city → city → county), from the publish to the addressed agency's inbox.
 * - `region.bus_rss_mb`: the resident memory of each county's nats-server after all of it
 *   (mean; the largest and the hubs' in the log).
 * - `region.hub_catchup_s`: a city's hub is down for `hubDownS`; meanwhile the region's
 *   counties go on addressing referrals to and from its counties; from the hub's restart until
 *   every one of them has arrived, once.
 */
export async function citiesBench(opts: {
  cities: number;
  counties: number;
  deliveries: number;
  hubDownS: number;
  rate: number;
  log: (s: string) => void;
}): Promise<Record<string, Figure>> {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-bench-cities-"));
  const cityCodes = CITY_CODES.slice(0, opts.cities);
  const countyCode = (city: string, i: number) =>
    `${city.slice(0, 4)}${String(21 + i).padStart(2, "0")}`;
  const plan = await planCities({
    stateDir,
    ports: "free",
    cities: cityCodes.map((city) => ({
      city,
      counties: Array.from({ length: opts.counties }, (_, i) => ({
        county: countyCode(city, i),
      })),
    })),
  });
  const buses: Bus[] = [];
  const t0 = performance.now();
  try {
    // Every server first (a source whose other end is not up yet backs off; the keeper restarts
    // it), then every bus's streams.
    await Promise.all(
      plan.buses.map(async (b) => {
        const config = CountyConfig.parse(JSON.parse(readFileSync(b.configFile, "utf8")));
        const agencies = config.agencies.map((a) => a.code);
        const identities = await ensureIdentities(join(b.stateDir, "secrets"), agencies);
        const port = await freePort();
        const storeDir = join(b.stateDir, "data");
        const server = await startNatsServer({
          port,
          storeDir,
          fullConfig: renderServerConfig({
            county: b.code,
            serverName: `liandong-${b.code}`,
            host: "127.0.0.1",
            port,
            storeDir,
            identities,
            region: b.region,
            neighbours: config.region.neighbours,
          }),
        });
        const admin = await connectBus({
          servers: server.url,
          agency: "admin",
          seedFile: identities.admin.seedFile,
        });
        buses.push({ ...b, server, identities, agencies, admin, connections: [admin] });
      }),
    );
    const as = async (b: Bus, agency: string) => {
      const nc = await connectBus({
        servers: b.server.url,
        agency,
        seedFile: b.identities.agencies[agency]!.seedFile,
      });
      b.connections.push(nc);
      return nc;
    };
    const provision = async (b: Bus) => {
      const config = CountyConfig.parse(JSON.parse(readFileSync(b.configFile, "utf8")));
      await provisionCounty(b.admin, {
        county: b.code,
        agencies: b.agencies,
        neighbours: config.region.neighbours,
        beyond: config.region.beyond,
        hub: b.hub,
      });
      const keeperNc = await connectBus({
        servers: b.server.url,
        agency: "keeper",
        seedFile: b.identities.keeper.seedFile,
      });
      b.connections.push(keeperNc);
      b.keeper = keepSourcesFlowing(keeperNc);
    };
    await Promise.all(buses.map(provision));
    opts.log(
      `  ${buses.length} 套总线（${opts.cities} 市 × ${opts.counties} 县 + 各市枢纽）已启动并建流：${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    // In the plan's order (each city's counties, then the city), whichever started first.
    const order = new Map(plan.buses.map((b, i) => [b.code, i]));
    buses.sort((a, b) => order.get(a.code)! - order.get(b.code)!);
    const counties = buses.filter((b) => !b.hub);
    const hubs = buses.filter((b) => b.hub);

    // Publishers as the agencies and offices would publish (sealed, in order, acknowledged).
    const publishers = new Map<string, EventPublisher>();
    const publisher = async (b: Bus, agency: string) => {
      const key = `${b.code}/${agency}`;
      let p = publishers.get(key);
      if (!p) {
        p = new EventPublisher(await as(b, agency), { county: b.code, agency });
        publishers.set(key, p);
      }
      return p;
    };
    // Arrivals: by event id, on the inboxes watched (an ordered consumer each).
    const arrivals = new Map<string, () => void>();
    const arrived = (id: string) => new Promise<void>((r) => arrivals.set(id, r));
    const watchers: { stop(): void }[] = [];
    const watch = async (b: Bus, agency: string) => {
      const c = await jetstream(b.admin).consumers.get(STREAMS.inbox(agency), {
        deliver_policy: DeliverPolicy.New,
      });
      const it = await c.consume();
      watchers.push(it);
      void (async () => {
        for await (const m of it) {
          const id = m.subject.split(".")[5]!;
          const done = arrivals.get(id);
          if (done) {
            arrivals.delete(id);
            done();
          }
        }
      })();
    };
    for (const b of counties) await watch(b, "health");
    for (const b of hubs) await watch(b, CITY_OFFICE);

    // The agencies' own work in the background, throughout.
    let loading = true;
    let background = 0;
    const load = (async () => {
      const pubs = await Promise.all(counties.map((b) => publisher(b, "family-planning")));
      while (loading) {
        const started = performance.now();
        await Promise.all(
          pubs.map((p, i) => {
            const id = `bg${background}-${i}`;
            return p.publishBytes(
              eventSubject({
                county: counties[i]!.code,
                agency: "family-planning",
                kind: "lead",
                id,
              }),
              Buffer.from(JSON.stringify({ n: background })),
              id,
            );
          }),
        );
        background++;
        await sleep(Math.max(0, 1000 / opts.rate - (performance.now() - started)));
      }
    })();

    // Roll-up: every county's report at once, until each is on its city's office's inbox.
    const month = new Date().toISOString().slice(0, 7);
    const rollupStart = performance.now();
    await Promise.all(
      counties.map(async (b) => {
        const id = `closed-${month}-${b.code}`;
        const there = arrived(id);
        await (await publisher(b, OFFICE)).publishBytes(
          eventSubject({
            county: b.code,
            agency: OFFICE,
            kind: "report",
            id,
            to: CITY_OFFICE,
            toCounty: b.city,
          }),
          Buffer.from(JSON.stringify({ month, county: b.code })),
          id,
        );
        await there;
      }),
    );
    const rollup = (performance.now() - rollupStart) / 1000;
    opts.log(
      `  city.region_rollup_s ${rollup.toFixed(3)}（${counties.length} 县月报到市办收件箱）`,
    );

    // Major cases, one at a time, each county in turn.
    const major: number[] = [];
    for (let i = 0; i < opts.deliveries; i++) {
      const b = counties[i % counties.length]!;
      const id = `major-${i}`;
      const there = arrived(id);
      const t = performance.now();
      await (await publisher(b, OFFICE)).publishBytes(
        eventSubject({
          county: b.code,
          agency: OFFICE,
          kind: "major-case",
          id,
          to: CITY_OFFICE,
          toCounty: b.city,
        }),
        Buffer.from(JSON.stringify({ caseId: id })),
        id,
      );
      await there;
      major.push(performance.now() - t);
    }
    const majorP99 = percentile(major, 0.99);
    opts.log(`  city.region_major_case_p99_ms ${majorP99.toFixed(1)}（${opts.deliveries} 件）`);

    // Cross-city referrals, one at a time, between counties of different cities.
    const referral = async (from: Bus, to: Bus, id: string) =>
      (await publisher(from, "health")).publishBytes(
        eventSubject({
          county: from.code,
          agency: "health",
          kind: "referral",
          id,
          to: "health",
          toCounty: to.code,
        }),
        Buffer.from(JSON.stringify({ referralId: id })),
        id,
      );
    const pairs = counties.flatMap((a) =>
      counties.filter((b) => b.city !== a.city).map((b) => [a, b] as const),
    );
    const cross: number[] = [];
    for (let i = 0; i < opts.deliveries; i++) {
      const [from, to] = pairs[(i * 7) % pairs.length]!;
      const id = `x-${i}`;
      const there = arrived(id);
      const t = performance.now();
      await referral(from, to, id);
      await there;
      cross.push(performance.now() - t);
    }
    const crossP99 = percentile(cross, 0.99);
    opts.log(
      `  region.cross_city_delivery_p99_ms ${crossP99.toFixed(1)}（${opts.deliveries} 次，县→市→市→县；p50 ${percentile(cross, 0.5).toFixed(1)}）`,
    );

    // A city's hub down for `hubDownS`: referrals to and from its counties go on being made.
    const down = hubs[0]!;
    const downCounties = counties.filter((b) => b.city === down.city);
    const others = counties.filter((b) => b.city !== down.city);
    await down.server.kill();
    const downSince = performance.now();
    const pending: Promise<void>[] = [];
    let n = 0;
    while (performance.now() - downSince < opts.hubDownS * 1000) {
      const tick = performance.now();
      const sends: Promise<unknown>[] = [];
      for (const [i, to] of downCounties.entries()) {
        const from = others[(n + i) % others.length]!;
        const id = `down-in-${n}-${i}`;
        pending.push(arrived(id));
        sends.push(referral(from, to, id));
      }
      for (const [i, from] of downCounties.entries()) {
        const to = others[(n + i) % others.length]!;
        const id = `down-out-${n}-${i}`;
        pending.push(arrived(id));
        sends.push(referral(from, to, id));
      }
      await Promise.all(sends);
      n++;
      await sleep(Math.max(0, 1000 / opts.rate - (performance.now() - tick)));
    }
    // The hub's own watcher and connections went with it: connections reconnect by themselves.
    await down.server.restart();
    const back = performance.now();
    await Promise.all(pending);
    const catchup = (performance.now() - back) / 1000;
    opts.log(
      `  region.hub_catchup_s ${catchup.toFixed(2)}（枢纽 ${down.code} 停机 ${opts.hubDownS} s，期间 ${pending.length} 件跨市移交往返其 ${downCounties.length} 县，恢复后全部送达）`,
    );
    loading = false;
    await load;

    // Each received once: the addressed county's log holds each id once.
    let twice = 0;
    for (const b of counties) {
      const seen = new Set<string>();
      for await (const e of readPresent(b.admin, STREAMS.events, { namePrefix: "bench" })) {
        const id = e.subject.split(".")[5]!;
        if (!id.startsWith("down-") || e.subject.split(".")[7] !== b.code) continue;
        if (seen.has(id)) twice++;
        seen.add(id);
      }
    }
    if (twice > 0) throw new Error(`${twice} referrals arrived twice after the hub's restart`);

    const rss = (pid: number) => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : 0;
    };
    const countyRss = counties.map((b) => rss(b.server.pid));
    const hubRss = hubs.map((b) => rss(b.server.pid));
    const mean = countyRss.reduce((a, b) => a + b, 0) / countyRss.length;
    opts.log(
      `  region.bus_rss_mb ${mean.toFixed(1)}（每县总线均值；最大 ${Math.max(...countyRss).toFixed(1)}；市枢纽均值 ${(hubRss.reduce((a, b) => a + b, 0) / hubRss.length).toFixed(1)}；后台负载 ${background} 轮 × ${counties.length} 县）`,
    );
    for (const w of watchers) w.stop();
    for (const p of publishers.values()) await p.close().catch(() => undefined);
    return {
      "city.region_rollup_s": { value: Number(rollup.toFixed(3)), unit: "s" },
      "city.region_major_case_p99_ms": { value: Number(majorP99.toFixed(1)), unit: "ms" },
      "region.cross_city_delivery_p99_ms": { value: Number(crossP99.toFixed(1)), unit: "ms" },
      "region.bus_rss_mb": { value: Number(mean.toFixed(1)), unit: "MB" },
      "region.hub_catchup_s": { value: Number(catchup.toFixed(2)), unit: "s" },
    };
  } finally {
    for (const b of buses) {
      b.keeper?.stop();
      for (const nc of b.connections) await nc.close().catch(() => undefined);
    }
    await Promise.all(buses.map((b) => b.server.stop()));
    rmSync(stateDir, { recursive: true, force: true });
  }
}
