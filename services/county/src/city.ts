import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CITY_OFFICE, CountyConfig, countyName } from "@liandong/contracts";
import { createUser } from "@nats-io/nkeys";
import { linkCertificates, writeBundle } from "./certs.ts";
import { type CountyOptions, type RunningCounty, startCounty } from "./county.ts";
import { freePort } from "./free-port.ts";
import { ensureIdentities } from "./identities.ts";
import type { RegionLinks } from "./server-config.ts";

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

/** A region's cities, each with its counties (上下联动, hub to hub). */
export type CityOfRegion = {
  /** The city's 6-digit code. */
  city: string;
  /** Each county's configuration (as `CityOptions.counties`). */
  counties: Record<string, unknown>[];
  /** More of the city's own configuration (as `CityOptions.cityConfig`). */
  cityConfig?: Record<string, unknown>;
  /** Tests: the port each of its counties dials for the city's leaf node, by county. */
  linkPorts?: Record<string, number>;
};

export type CitiesOptions = Omit<CityOptions, "city" | "counties" | "cityConfig" | "linkPorts"> & {
  cities: CityOfRegion[];
  /**
   * Tests: the port a peer city's hub dials for this city's leaf node (a proxy between), by the
   * city dialed. (Every city's hub dials the first city's, the region's hub.)
   */
  hubLinkPorts?: Record<string, number>;
  /** Every link over mutual TLS (the default); false: in clear, for the benchmark's comparison. */
  tls?: boolean;
};

export type RunningCities = {
  /** By city: its bus, its counties' and its leaf-node port. */
  cities: Record<string, RunningCity>;
  /** Every bus of the region by its code, cities' and counties'. */
  buses: Record<string, RunningCounty>;
  stop(): Promise<void>;
};

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
  const { city, counties, cityConfig, linkPorts, ...common } = opts;
  const region = await startCities({
    ...common,
    cities: [
      {
        city,
        counties,
        ...(cityConfig ? { cityConfig } : {}),
        ...(linkPorts ? { linkPorts } : {}),
      },
    ],
  });
  return { ...region.cities[city]!, stop: () => region.stop() };
}

/**
 * The cities of a region and their counties on this machine, each bus its own nats-server and
 * JetStream domain: each county links up to its city's hub; the hubs link as a tree, every
 * other city's to the first city's (the region's hub: leaf nodes must not form a cycle). No county links to another: what a
 * county addresses to a county of another city (a referral) goes county → city → city →
 * county, each hop a stream sourced from the one before (`region.beyond`; provisionCounty),
 * once and in order, and kept through a hub's restart. Every link is mutual TLS: each bus has
 * its own CA, and each side of a link trusts only the CAs of the buses configured to be at the
 * other end. Keys, ports, certificates and configuration are kept in `stateDir`.
 */
export async function startCities(opts: CitiesOptions): Promise<RunningCities> {
  const plan = await planCities(opts);
  const { cities: _c, hubLinkPorts: _h, portOffset: _p, tls: _t, ...common } = opts;
  // All at once (a source from a bus not up yet backs off, and the keeper restarts it); a start
  // that failed leaves nothing of the others running.
  const started = await Promise.allSettled(
    plan.buses.map((b) =>
      startCounty({
        ...common,
        stateDir: b.stateDir,
        configFile: b.configFile,
        portOffset: b.portOffset,
        region: b.region,
      }),
    ),
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(
      started.map((r) => (r.status === "fulfilled" ? r.value.stop().catch(() => undefined) : null)),
    );
    throw failed.reason;
  }
  const buses = Object.fromEntries(
    plan.buses.map((b, i) => [b.code, (started[i] as PromiseFulfilledResult<RunningCounty>).value]),
  );
  return {
    cities: Object.fromEntries(
      plan.cities.map((c) => [
        c.city,
        {
          city: buses[c.city]!,
          counties: Object.fromEntries(c.counties.map((k) => [k, buses[k]!])),
          leafPort: plan.leafPorts[c.city]!,
          stop: async () => {
            await Promise.all([...c.counties.map((k) => buses[k]!.stop()), buses[c.city]!.stop()]);
          },
        },
      ]),
    ),
    buses,
    async stop() {
      await Promise.all(Object.values(buses).map((b) => b.stop()));
    },
  };
}

/** One bus of a region's cities as planned: its configuration and its links. */
export type PlannedBus = {
  code: string;
  /** A city's hub (its own office only), or a county of `city`. */
  hub: boolean;
  city: string;
  stateDir: string;
  /** The bus's configuration (`CountyConfig`'s input) and the file it is written to. */
  config: Record<string, unknown>;
  configFile: string;
  portOffset: number;
  region: RegionLinks;
};

/**
 * What `startCities` starts, without starting it (the launcher; the bench, which runs the buses'
 * nats-servers with this configuration and simulates their services): each bus's identities,
 * configuration, link keys, leaf-node ports and certificates, made once and kept in `stateDir`.
 */
export async function planCities(
  opts: Pick<
    CitiesOptions,
    "stateDir" | "cities" | "hubLinkPorts" | "tls" | "portOffset" | "ports"
  >,
): Promise<{
  buses: PlannedBus[];
  cities: { city: string; counties: string[] }[];
  leafPorts: Record<string, number>;
}> {
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  // Each county's configuration as it will be read: its city's code set.
  const parse = (c: Record<string, unknown>, city: string) =>
    CountyConfig.parse({ ...c, city: { ...(c.city ?? {}), code: city } });
  const cities = opts.cities.map((c) => ({
    ...c,
    codes: c.counties.map((k) => parse(k, c.city).county),
  }));
  const keysOf = async (code: string, agencies: readonly string[]) => {
    const dir = join(opts.stateDir, code, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ids = await ensureIdentities(dir, agencies);
    return Object.fromEntries(Object.entries(ids.agencies).map(([a, id]) => [a, id.publicKey]));
  };
  const keys: Record<string, Record<string, string>> = {};
  for (const c of cities) {
    keys[c.city] = await keysOf(
      c.city,
      CITY_AGENCIES.map((a) => a.code),
    );
    for (const [i, k] of c.counties.entries())
      keys[c.codes[i]!] = await keysOf(
        c.codes[i]!,
        parse(k, c.city).agencies.map((a) => a.code),
      );
  }
  const keysFor = (codes: readonly string[]) =>
    Object.fromEntries(codes.map((code) => [code, keys[code]!]));
  const allCounties = cities.flatMap((c) => c.codes);

  // Link keys (the dialing side keeps the seed, the dialed accepts the public key): each
  // county's up to its city, `<later>><earlier>` for two cities' hubs.
  const linkFile = join(opts.stateDir, "city-links.json");
  const links: LinkFile = existsSync(linkFile) ? JSON.parse(readFileSync(linkFile, "utf8")) : {};
  const hubLink = (from: string, to: string) => `${from}>${to}`;
  const linkNames = [
    ...allCounties,
    ...cities.slice(1).map((c) => hubLink(c.city, cities[0]!.city)),
  ];
  for (const name of linkNames) {
    if (links[name]) continue;
    const k = createUser();
    links[name] = { publicKey: k.getPublicKey(), seed: new TextDecoder().decode(k.getSeed()) };
  }
  writeFileSync(linkFile, JSON.stringify(links), { mode: 0o600 });

  // `fixed` ports: each city's counties in turn, then the city, 100 apart.
  const base = opts.portOffset ?? 0;
  const offsets = new Map<string, number>();
  for (const c of cities) {
    for (const code of c.codes) offsets.set(code, base + 100 * offsets.size);
    offsets.set(c.city, base + 100 * offsets.size);
  }
  const portFile = join(opts.stateDir, "city-leaf-ports.json");
  const oldPortFile = join(opts.stateDir, "city-leaf-port.json");
  const leafPorts: Record<string, number> = existsSync(portFile)
    ? JSON.parse(readFileSync(portFile, "utf8"))
    : existsSync(oldPortFile) && cities.length === 1
      ? { [cities[0]!.city]: JSON.parse(readFileSync(oldPortFile, "utf8")).leafPort }
      : {};
  for (const c of cities)
    leafPorts[c.city] ??= opts.ports === "fixed" ? 7422 + offsets.get(c.city)! : await freePort();
  writeFileSync(portFile, JSON.stringify(leafPorts));

  // Mutual TLS on every link: each bus its own CA; a hub's leaf-node port trusts the CAs of its
  // counties and of the peer hubs that dial it, and nothing else; a dialing side, the CA of the
  // bus it dials.
  const tls = opts.tls !== false;
  const certs: Record<string, Awaited<ReturnType<typeof linkCertificates>>> = {};
  if (tls)
    for (const code of [...cities.map((c) => c.city), ...allCounties])
      certs[code] = await linkCertificates(join(opts.stateDir, code, "secrets"), code);
  const trusted = (code: string, name: string, of: readonly string[]) =>
    writeBundle(
      join(opts.stateDir, code, "secrets", "tls", `${name}.pem`),
      of.map((o) => certs[o]!.trustFile),
    );
  const dialTls = (from: string, to: string) =>
    tls ? { tls: { ...certs[from]!.link, caFile: trusted(from, `neighbour-${to}`, [to]) } } : {};

  const file = (code: string, config: unknown) => {
    const f = join(opts.stateDir, `${code}.input.json`);
    writeFileSync(f, JSON.stringify(config, null, 2));
    return f;
  };
  const { hubLinkPorts } = opts;
  const buses: PlannedBus[] = [];
  for (const [i, c] of cities.entries()) {
    // The hubs link as a tree, not a mesh (leaf nodes must not form a cycle: nats-server cuts a
    // link that closes one): the first city's hub is the region's, every other city's dials it.
    const first = cities[0]!;
    const peers = i === 0 ? cities.slice(1) : [first];
    const dialers = i === 0 ? peers.map((p) => p.city) : [];
    const dialed = i === 0 ? [] : [first.city];
    // Beyond the region's hub, from another city: every county of every other city.
    const beyondPeer = (p: (typeof cities)[number]) =>
      i === 0 ? p.codes : cities.filter((o) => o.city !== c.city).flatMap((o) => o.codes);
    const ownCity = (c.cityConfig?.city ?? {}) as Record<string, unknown>;
    const cityConfig = {
      ...c.cityConfig,
      county: c.city,
      agencies: CITY_AGENCIES,
      city: { ...ownCity, code: c.city, counties: c.codes, peers: peers.map((p) => p.city) },
      region: {
        neighbours: [...c.codes, ...peers.map((p) => p.city)],
        keys: keysFor([...c.codes, ...peers.map((p) => p.city)]),
        beyond: Object.fromEntries(peers.map((p) => [p.city, beyondPeer(p)])),
      },
    };
    buses.push({
      code: c.city,
      hub: true,
      city: c.city,
      stateDir: join(opts.stateDir, c.city),
      config: cityConfig,
      configFile: file(c.city, cityConfig),
      portOffset: offsets.get(c.city)!,
      region: {
        listen: { host: "127.0.0.1", port: leafPorts[c.city]! },
        accept: [
          ...c.codes.map((code) => ({ neighbour: code, publicKey: links[code]!.publicKey })),
          ...dialers.map((d) => ({
            neighbour: d,
            publicKey: links[hubLink(d, c.city)]!.publicKey,
          })),
        ],
        connect: dialed.map((d) => ({
          neighbour: d,
          url: `nats-leaf://127.0.0.1:${hubLinkPorts?.[d] ?? leafPorts[d]}`,
          seed: links[hubLink(c.city, d)]!.seed,
          ...dialTls(c.city, d),
        })),
        ...(tls
          ? {
              tls: {
                ...certs[c.city]!.node,
                caFile: trusted(c.city, "links", [...c.codes, ...dialers]),
              },
            }
          : {}),
      },
    });
    for (const [j, k] of c.counties.entries()) {
      const code = c.codes[j]!;
      const region = (k.region ?? {}) as {
        neighbours?: string[];
        keys?: Record<string, unknown>;
        beyond?: Record<string, string[]>;
      };
      const neighbours = [...new Set([...(region.neighbours ?? []), c.city])];
      // Every other county of the region it has no link of its own to: through its city.
      const far = allCounties.filter((o) => o !== code && !neighbours.includes(o));
      const config = {
        ...k,
        city: { ...((k.city ?? {}) as Record<string, unknown>), code: c.city },
        region: {
          ...region,
          neighbours,
          keys: { ...region.keys, ...keysFor([c.city, ...far]) },
          beyond: { ...region.beyond, ...(far.length > 0 ? { [c.city]: far } : {}) },
        },
        county: code,
      };
      buses.push({
        code,
        hub: false,
        city: c.city,
        stateDir: join(opts.stateDir, code),
        config,
        configFile: file(code, config),
        portOffset: offsets.get(code)!,
        region: {
          accept: [],
          connect: [
            {
              neighbour: c.city,
              url: `nats-leaf://127.0.0.1:${c.linkPorts?.[code] ?? leafPorts[c.city]}`,
              seed: links[code]!.seed,
              ...dialTls(code, c.city),
            },
          ],
        },
      });
    }
  }
  return {
    buses,
    cities: cities.map((c) => ({ city: c.city, counties: c.codes })),
    leafPorts,
  };
}

/** The city as its banner names it: 620700 张掖市. */
export const cityLabel = (code: string) => `${code} ${countyName(code)}`;
