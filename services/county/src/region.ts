import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CountyConfig } from "@liandong/contracts";
import { createUser } from "@nats-io/nkeys";
import { linkCertificates, writeBundle } from "./certs.ts";
import { type CountyOptions, type RunningCounty, startCounty } from "./county.ts";
import { freePort } from "./free-port.ts";
import { ensureIdentities } from "./identities.ts";

export type RegionOptions = Omit<CountyOptions, "stateDir" | "configFile" | "region"> & {
  /** Where both counties keep their data, secrets and logs (one folder each). */
  stateDir: string;
  /** The home county's configuration; the neighbour gets the same agencies and routing. */
  configFile: string;
  /** The neighbouring county's 6-digit code. */
  neighbour: string;
  /** Tests: the home county's leaf-node port, and the port the neighbour dials (a proxy between). */
  leafPort?: number;
  linkPort?: number;
  /** The link over mutual TLS (the default); false: in clear, for the benchmark's comparison. */
  tls?: boolean;
};

export type RunningRegion = {
  home: RunningCounty;
  neighbour: RunningCounty;
  stop(): Promise<void>;
};

/**
 * Two neighbouring counties of one cooperation region on this machine (the S5 demo, tests):
 * each its own nats-server, JetStream domain, identities and services; the neighbour connects
 * to the home county's leaf-node port with a link key the home county accepts. The link key
 * and ports are kept in `stateDir`, so that a restart finds the same region.
 */
export async function startRegion(opts: RegionOptions): Promise<RunningRegion> {
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const base = JSON.parse(readFileSync(opts.configFile, "utf8")) as {
    county: string;
    region?: { neighbours?: string[]; witnessEverySeconds?: number };
  };
  const home = base.county;
  // Each county checks the seals of its neighbour's events with the neighbour's agencies' keys:
  // the identities are made here first (startCounty keeps them), their public keys exchanged.
  const agencies = CountyConfig.parse(base).agencies.map((a) => a.code);
  const keysOf = async (county: string) => {
    const dir = join(opts.stateDir, county, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ids = await ensureIdentities(dir, agencies);
    return Object.fromEntries(Object.entries(ids.agencies).map(([a, id]) => [a, id.publicKey]));
  };
  const configs = {
    home: {
      ...base,
      region: {
        ...base.region,
        neighbours: [opts.neighbour],
        keys: { [opts.neighbour]: await keysOf(opts.neighbour) },
      },
    },
    neighbour: {
      ...base,
      county: opts.neighbour,
      region: { ...base.region, neighbours: [home], keys: { [home]: await keysOf(home) } },
    },
  };
  const files = {
    home: join(opts.stateDir, `county-${home}.input.json`),
    neighbour: join(opts.stateDir, `county-${opts.neighbour}.input.json`),
  };
  writeFileSync(files.home, JSON.stringify(configs.home, null, 2));
  writeFileSync(files.neighbour, JSON.stringify(configs.neighbour, null, 2));

  // The link's key: the neighbour's operators keep the seed, the home county accepts the public key.
  const linkFile = join(opts.stateDir, "region-link.json");
  if (!existsSync(linkFile)) {
    const k = createUser();
    writeFileSync(
      linkFile,
      JSON.stringify({
        neighbour: opts.neighbour,
        publicKey: k.getPublicKey(),
        seed: new TextDecoder().decode(k.getSeed()),
        leafPort: opts.leafPort ?? (opts.ports === "fixed" ? 7422 : await freePort()),
      }),
      { mode: 0o600 },
    );
  }
  const link = JSON.parse(readFileSync(linkFile, "utf8")) as {
    publicKey: string;
    seed: string;
    leafPort: number;
  };
  const { neighbour: _n, leafPort: _l, linkPort, tls: _t, ...common } = opts;
  // Mutual TLS on the link: each county's own CA (made with its secrets), and each trusts the
  // other's CA, as its operators would be given it with the link's key (a copy in its secrets).
  const tls = opts.tls !== false;
  const certsOf = (county: string) =>
    linkCertificates(join(opts.stateDir, county, "secrets"), county);
  const [homeCerts, neighbourCerts] = tls
    ? await Promise.all([certsOf(home), certsOf(opts.neighbour)])
    : [undefined, undefined];
  const trusted = (county: string, of: string, file: string) =>
    writeBundle(join(opts.stateDir, county, "secrets", "tls", `neighbour-${of}.pem`), [file]);
  // Both at once: a county's sources from its neighbour back off while that neighbour is not up.
  const [homeCounty, neighbourCounty] = await Promise.all([
    startCounty({
      ...common,
      stateDir: join(opts.stateDir, home),
      configFile: files.home,
      region: {
        listen: { host: "127.0.0.1", port: link.leafPort },
        accept: [{ neighbour: opts.neighbour, publicKey: link.publicKey }],
        connect: [],
        ...(homeCerts && neighbourCerts
          ? {
              tls: {
                ...homeCerts.node,
                caFile: trusted(home, opts.neighbour, neighbourCerts.trustFile),
              },
            }
          : {}),
      },
    }),
    startCounty({
      ...common,
      stateDir: join(opts.stateDir, opts.neighbour),
      configFile: files.neighbour,
      portOffset: 100,
      region: {
        accept: [],
        connect: [
          {
            neighbour: home,
            url: `nats-leaf://127.0.0.1:${linkPort ?? link.leafPort}`,
            seed: link.seed,
            ...(homeCerts && neighbourCerts
              ? {
                  tls: {
                    ...neighbourCerts.link,
                    caFile: trusted(opts.neighbour, home, homeCerts.trustFile),
                  },
                }
              : {}),
          },
        ],
      },
    }),
  ]);
  return {
    home: homeCounty,
    neighbour: neighbourCounty,
    async stop() {
      await Promise.all([neighbourCounty.stop(), homeCounty.stop()]);
    },
  };
}
