// `pnpm bench`: figures written to bench/results/latest.json. Ratios are measured side by side
// in one run against one server, alternating rounds, because these machines are noisy.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PUBLISH_WINDOW } from "@liandong/runtime";
import { NATS_ENV } from "../services/county/src/county.ts";
import { natsServerBinary, startNatsServer } from "../test/support/nats-server.ts";
import { auditBench } from "./audit.ts";
import { citiesBench } from "./cities.ts";
import { cityBench } from "./city.ts";
import { countyBench } from "./county.ts";
import { handoffBench } from "./handoff.ts";
import { matchBench } from "./match.ts";
import { officeProcess } from "./office.ts";
import { officeReadyBench } from "./office-ready.ts";
import { publishBench } from "./publish.ts";
import { regionBench, regionHttpBench } from "./region.ts";
import { vaultBench } from "./vault.ts";

const root = resolve(import.meta.dirname, "..");
/** Every suite, in the order they run: a run of all of them is `complete`. */
const SUITES = [
  "publish",
  "handoff",
  "audit",
  "office",
  "office-ready",
  "county",
  "region",
  "vault",
  "match",
  "city",
  "cities",
];
const { values } = parseArgs({
  options: {
    events: { type: "string", default: "50000" },
    // As every service publishes: the runtime's window, and the raw loop given the same.
    window: { type: "string", default: String(PUBLISH_WINDOW) },
    rounds: { type: "string", default: "5" },
    slices: { type: "string", default: "10" },
    "audit-events": { type: "string", default: "1000000" },
    offers: { type: "string", default: "1000" },
    "offer-rate": { type: "string", default: "20" },
    background: { type: "string", default: "100" },
    "office-events": { type: "string", default: "1000000" },
    "office-referrals": { type: "string", default: "100000" },
    // The office's start from a snapshot: the log in a real nats-server, the snapshot this far behind.
    "office-ready-events": { type: "string", default: "1000000" },
    "office-ready-tail": { type: "string", default: "10000" },
    "region-deliveries": { type: "string", default: "300" },
    "region-backlog": { type: "string", default: "50000" },
    "county-offers": { type: "string", default: "300" },
    "county-leads": { type: "string", default: "300" },
    /** Another checkout's county measured by `--only county` (e.g. an earlier commit's), to compare. */
    "county-root": { type: "string" },
    // 数据比对: rows per register (five pregnancy registers and the drug ledger).
    "match-rows": { type: "string", default: "2000" },
    "vault-identities": { type: "string", default: "10000" },
    // 上下联动: a city and two counties, real processes.
    "city-cases": { type: "string", default: "20" },
    // 上下联动 at a region's size: cities × counties (5 × 5: 30 buses), hub down for a minute.
    "cities-count": { type: "string", default: "5" },
    "cities-counties": { type: "string", default: "5" },
    "cities-deliveries": { type: "string", default: "200" },
    "cities-hub-down-s": { type: "string", default: "60" },
    "cities-rate": { type: "string", default: "5" },
    // Some suites alone, e.g. `--only publish,audit` (a partial run leaves `complete` false).
    only: { type: "string", default: SUITES.join(",") },
  },
});
const only = new Set(values.only.split(","));
const complete = SUITES.every((s) => only.has(s));

export type Figure = { value: number; unit: string };
const latest = join(root, "bench", "results", "latest.json");
// A partial run (`--only`) updates its suites' figures in the file and keeps the others'.
const figures: Record<string, Figure> =
  !complete && existsSync(latest) ? JSON.parse(readFileSync(latest, "utf8")).figures : {};
const out = (line: string) => process.stdout.write(`${line}\n`);
const started = new Date().toISOString();

/**
 * Adds a suite's figures and writes the file at once: should a later suite fail, what was
 * measured is kept (`complete` once every suite of a full run is in).
 */
async function record(
  suite: Record<string, Figure> | Promise<Record<string, Figure>>,
  last = false,
) {
  Object.assign(figures, await suite);
  const result = {
    figures,
    complete: last && complete,
    machine: { node: process.version, cpus: cpus().length },
    at: started,
  };
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(latest, `${JSON.stringify(result, null, 2)}\n`);
}

// nats-server as every county runs it (\`NATS_ENV\`: Go's scheduler on one core). With two, the
// server's CPU per event swung from run to run with how the two sides' sends fell in time (the
// typed side's −0.5 to +8 µs above the raw side's over sixteen runs; with one, −0.8 to +3.6 over
// twelve), a second thread spinning between bursts, as no county's does.
const server = only.has("publish")
  ? await startNatsServer({ env: { ...process.env, ...NATS_ENV } })
  : undefined;
if (server)
  try {
    await record(
      publishBench({
        url: server.url,
        serverPid: server.pid,
        events: Number(values.events),
        window: Number(values.window),
        rounds: Number(values.rounds),
        slices: Number(values.slices),
        log: out,
      }),
    );
  } finally {
    await server.stop();
  }

if (only.has("handoff"))
  await record(
    handoffBench({
      natsServer: natsServerBinary(),
      offers: Number(values.offers),
      offersPerSecond: Number(values["offer-rate"]),
      backgroundPerSecond: Number(values.background),
      log: out,
    }),
  );
if (only.has("audit"))
  await record(auditBench({ events: Number(values["audit-events"]), log: out }));
if (only.has("office"))
  await record(
    await officeProcess({
      events: Number(values["office-events"]),
      referrals: Number(values["office-referrals"]),
      log: out,
    }),
  );
if (only.has("office-ready"))
  await record(
    officeReadyBench({
      events: Number(values["office-ready-events"]),
      tail: Number(values["office-ready-tail"]),
      log: out,
    }),
  );

if (only.has("region"))
  await record(
    regionHttpBench({
      natsServer: natsServerBinary(),
      deliveries: Number(values["region-deliveries"]),
      log: out,
    }),
  );
if (only.has("county"))
  await record(
    countyBench({
      natsServer: natsServerBinary(),
      offers: Number(values["county-offers"]),
      leads: Number(values["county-leads"]),
      ...(values["county-root"] ? { root: resolve(values["county-root"]) } : {}),
      log: out,
    }),
  );
if (only.has("region"))
  await record(
    regionBench({
      deliveries: Number(values["region-deliveries"]),
      backlog: Number(values["region-backlog"]),
      log: out,
    }),
  );
if (only.has("vault"))
  await record(vaultBench({ identities: Number(values["vault-identities"]), log: out }));
if (only.has("match"))
  await record(matchBench({ perRegister: Number(values["match-rows"]), log: out }));

if (only.has("city"))
  await record(
    cityBench({ natsServer: natsServerBinary(), cases: Number(values["city-cases"]), log: out }),
  );

if (only.has("cities"))
  await record(
    citiesBench({
      cities: Number(values["cities-count"]),
      counties: Number(values["cities-counties"]),
      deliveries: Number(values["cities-deliveries"]),
      hubDownS: Number(values["cities-hub-down-s"]),
      rate: Number(values["cities-rate"]),
      log: out,
    }),
  );

await record({}, true);
out("\n基准结果（bench/results/latest.json）：");
for (const [name, f] of Object.entries(figures)) out(`  ${name.padEnd(32)} ${f.value} ${f.unit}`);
