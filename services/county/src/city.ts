import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CITY_OFFICE, CountyConfig, countyName } from "@liandong/contracts";
import { createUser } from "@nats-io/nkeys";
import { type CountyOptions, type RunningCounty, startCounty } from "./county.ts";
import { freePort } from "./free-port.ts";
import { ensureIdentities } from "./identities.ts";

export type CityOptions = Omit<
  CountyOptions,
  "stateDir" | "configFile" | "region" | "portOffset" | "clusterNodes"
> & {
  /** Where the city's bus and each county's keep their data, secrets and logs (one folder each). */
  stateDir: string;
  /** The city's 6-digit code (e.g. 620700 张掖市). */
  city: string;
  /**
   * Each county's configuration (its `county` code; `city.code` is set to the city's here).
   * Keys other than those the city sets are the county's own.
   */
  counties: Record<string, unknown>[];
  /** More of the city's own configuration (its `city` section: report due days…). */
  cityConfig?: Record<string, unknown>;
  /** Tests: the port each county dials for the city's leaf node (a proxy between), by county. */
  linkPorts?: Record<string, number>;
  /** `fixed` ports: the first county's offset; the next county 100 on, the city after the last. */
  portOffset?: number;
};

export type RunningCity = {
  city: RunningCounty;
  counties: Record<string, RunningCounty>;
  /** The leaf-node port the counties link up to. */
  leafPort: number;
  stop(): Promise<void>;
};

/** The city's own bus: its office only (市领导小组办公室), a JetStream domain of its own. */
export const CITY_AGENCIES = [
  {
    code: CITY_OFFICE,
    name: "市打击“两非”专项行动领导小组办公室",
    shortName: "市领导小组办公室",
    role: "office",
  },
] as const;

type LinkFile = Record<string, { publicKey: string; seed: string }>;

/**
 * A city and its counties on this machine (上下联动; the demo, tests, the bench): the city's bus
 * (its own nats-server, JetStream domain, identities and office) accepts a leaf-node link from
 * each county, as a county accepts a neighbour's; each county links up with a key of its own
 * the city accepts. The city is each county's neighbour and each county the city's: what a
 * county addresses to the city's office crosses the link, and nothing else of the county.
 * Keys, ports and configuration are kept in `stateDir`, so that a restart finds the same city.
 */
export async function startCity(opts: CityOptions): Promise<RunningCity> {
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  // Each county's configuration as it will be read: its city's code set.
  const parse = (c: Record<string, unknown>) =>
    CountyConfig.parse({ ...c, city: { ...(c.city ?? {}), code: opts.city } });
  const codes = opts.counties.map((c) => parse(c).county);
  const agenciesOf = (c: Record<string, unknown>) => parse(c).agencies.map((a) => a.code);
  const keysOf = async (code: string, agencies: string[]) => {
    const dir = join(opts.stateDir, code, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ids = await ensureIdentities(dir, agencies);
    return Object.fromEntries(Object.entries(ids.agencies).map(([a, id]) => [a, id.publicKey]));
  };
  const cityKeys = await keysOf(
    opts.city,
    CITY_AGENCIES.map((a) => a.code),
  );
  const countyKeys: Record<string, Record<string, string>> = {};
  for (const [i, c] of opts.counties.entries())
    countyKeys[codes[i]!] = await keysOf(codes[i]!, agenciesOf(c));

  const ownCity = (opts.cityConfig?.city ?? {}) as Record<string, unknown>;
  const cityConfig = {
    ...opts.cityConfig,
    county: opts.city,
    agencies: CITY_AGENCIES,
    city: { ...ownCity, code: opts.city, counties: codes },
    region: { neighbours: codes, keys: countyKeys },
  };
  const countyConfigs = opts.counties.map((c, i) => {
    const region = (c.region ?? {}) as { neighbours?: string[]; keys?: Record<string, unknown> };
    return {
      ...c,
      city: { ...((c.city ?? {}) as Record<string, unknown>), code: opts.city },
      region: {
        ...region,
        neighbours: [...new Set([...(region.neighbours ?? []), opts.city])],
        keys: { ...region.keys, [opts.city]: cityKeys },
      },
      county: codes[i]!,
    };
  });
  const file = (code: string, config: unknown) => {
    const f = join(opts.stateDir, `${code}.input.json`);
    writeFileSync(f, JSON.stringify(config, null, 2));
    return f;
  };

  // Each county's link key: its operators keep the seed, the city accepts the public key.
  const linkFile = join(opts.stateDir, "city-links.json");
  const links: LinkFile = existsSync(linkFile) ? JSON.parse(readFileSync(linkFile, "utf8")) : {};
  for (const code of codes) {
    if (links[code]) continue;
    const k = createUser();
    links[code] = { publicKey: k.getPublicKey(), seed: new TextDecoder().decode(k.getSeed()) };
  }
  const portFile = join(opts.stateDir, "city-leaf-port.json");
  const base = opts.portOffset ?? 0;
  const leafPort: number = existsSync(portFile)
    ? JSON.parse(readFileSync(portFile, "utf8")).leafPort
    : opts.ports === "fixed"
      ? 7422 + base + 100 * codes.length
      : await freePort();
  writeFileSync(linkFile, JSON.stringify(links), { mode: 0o600 });
  writeFileSync(portFile, JSON.stringify({ leafPort }));

  const { city: _c, counties: _k, cityConfig: _cc, linkPorts, portOffset: _p, ...common } = opts;
  // All at once (a county's source from the city backs off while the city is not up); a start
  // that failed leaves nothing of the others running.
  const started = await Promise.allSettled([
    startCounty({
      ...common,
      stateDir: join(opts.stateDir, opts.city),
      configFile: file(opts.city, cityConfig),
      portOffset: base + 100 * codes.length,
      region: {
        listen: { host: "127.0.0.1", port: leafPort },
        accept: codes.map((code) => ({ neighbour: code, publicKey: links[code]!.publicKey })),
        connect: [],
      },
    }),
    ...countyConfigs.map((config, i) =>
      startCounty({
        ...common,
        stateDir: join(opts.stateDir, config.county),
        configFile: file(config.county, config),
        portOffset: base + 100 * i,
        region: {
          accept: [],
          connect: [
            {
              neighbour: opts.city,
              url: `nats-leaf://127.0.0.1:${linkPorts?.[config.county] ?? leafPort}`,
              seed: links[config.county]!.seed,
            },
          ],
        },
      }),
    ),
  ]);
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(
      started.map((r) => (r.status === "fulfilled" ? r.value.stop().catch(() => undefined) : null)),
    );
    throw failed.reason;
  }
  const [city, ...counties] = started.map(
    (r) => (r as PromiseFulfilledResult<RunningCounty>).value,
  );
  return {
    city: city!,
    counties: Object.fromEntries(counties.map((c) => [c.config.county, c])),
    leafPort,
    async stop() {
      await Promise.all([...counties.map((c) => c.stop()), city!.stop()]);
    },
  };
}

/** The city as its banner names it: 620700 张掖市. */
export const cityLabel = (code: string) => `${code} ${countyName(code)}`;
