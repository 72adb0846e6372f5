// What the docker-compose one-shots (`init`, `init-region`) write for a county: its identities,
// its officers' tokens, and the file its nats-server includes (auth.conf). That file holds the
// authorization block and, when the county is in a region, what makes it a county of the region:
// its JetStream domain (the variable JS_DOMAIN, read by deploy/nats/*.conf) and its leaf-node
// links. The NATS configuration mounted from git stays the same in both cases.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CountyConfig, jetstreamDomain, PublicKeysFile } from "@liandong/contracts";
import { createUser, fromSeed } from "@nats-io/nkeys";
import { z } from "zod";
import { clusterCertificates, ensureAuthority } from "./certs.ts";
import { ensureIdentities, type Identities, readSeed } from "./identities.ts";
import { ensureMatchKeys } from "./match-keys.ts";
import { ensureOfficers } from "./officers.ts";
import {
  type RegionLinks,
  renderAuthorization,
  renderLeafnodes,
  renderTls,
} from "./server-config.ts";
import { ensureVaultKeys } from "./vault-keys.ts";

/** docker-compose.yml's NATS nodes of a county. */
const COMPOSE_NODES = ["nats-1", "nats-2", "nats-3"];

/** Neighbours whose links this county accepts (public keys): written by init-region, kept by init. */
const ACCEPTED = "region-links.json";

const Accepted = z.array(z.object({ neighbour: z.string(), publicKey: z.string() }));
type Accepted = RegionLinks["accept"];

/**
 * A county's part in a compose region. `listen`: its nodes take their neighbours' links, each on
 * its own address on the `region` network (the node's environment: LEAF_LISTEN), so that no
 * client container reaches the leaf-node port.
 */
export type ComposeRegion = Omit<RegionLinks, "listen"> & { listen: boolean };

export function readAcceptedLinks(secrets: string): Accepted {
  const file = join(secrets, ACCEPTED);
  if (!existsSync(file)) return [];
  const parsed = Accepted.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} 有误:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function acceptLink(secrets: string, link: Accepted[number]): void {
  const others = readAcceptedLinks(secrets).filter((l) => l.neighbour !== link.neighbour);
  writeFileSync(join(secrets, ACCEPTED), JSON.stringify([...others, link], null, 2), {
    mode: 0o600,
  });
}

/**
 * The seed of a link this county dials (the dialing county keeps it; the county it dials
 * accepts the public key). Created once, then reused: re-running init keeps the link.
 */
export function ensureLinkSeed(secrets: string): { seed: string; publicKey: string } {
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const file = join(secrets, "link.nk");
  if (!existsSync(file))
    writeFileSync(file, `${new TextDecoder().decode(createUser().getSeed())}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  const seed = readSeed(file);
  return { seed: new TextDecoder().decode(seed), publicKey: fromSeed(seed).getPublicKey() };
}

/** Where a node finds its TLS files (its secrets, docker-compose.yml). */
export const NODE_TLS = {
  certFile: "/etc/nats/tls/node.crt",
  keyFile: "/etc/nats/tls/node.key",
  /** The CAs of the neighbours whose links the county accepts (init-region writes it). */
  neighbours: "/etc/nats/tls/neighbours.pem",
  /** The dialing side: its link's certificate, and the CAs of the county it dials. */
  linkCert: "/etc/nats/tls/link.crt",
  linkKey: "/etc/nats/tls/link.key",
  dialedCa: "/etc/nats/tls/dialed-ca.pem",
} as const;

/** The neighbours' CAs, in the county's secrets (empty until init-region records one). */
export const NEIGHBOUR_CAS = "tls/neighbours.pem";

const leafnodes = (r: ComposeRegion) =>
  r.listen
    ? [
        "leafnodes {",
        "  # This node's address on the region network (its environment).",
        "  listen: $LEAF_LISTEN",
        // Mutual TLS once a neighbour's link is accepted: only its CA's certificates.
        ...(r.accept.length > 0
          ? [
              renderTls(
                {
                  certFile: NODE_TLS.certFile,
                  keyFile: NODE_TLS.keyFile,
                  caFile: NODE_TLS.neighbours,
                },
                { verify: true },
              ),
            ]
          : []),
        "}",
      ].join("\n")
    : renderLeafnodes({ accept: r.accept, connect: r.connect });

/** The text of auth.conf: the authorization and, in a region, the domain and the links. */
export function renderCountyInclude(
  county: string,
  identities: Identities,
  region?: ComposeRegion,
  neighbours: readonly string[] = [],
): string {
  return [
    `# Written by the init steps of docker-compose.yml for county ${county}. Do not edit: it is rewritten.`,
    ...(region
      ? [
          "# This county's JetStream domain in its cooperation region (read by the jetstream block).",
          `JS_DOMAIN: ${JSON.stringify(jetstreamDomain(county))}`,
        ]
      : []),
    renderAuthorization(county, identities, region?.accept, neighbours),
    ...(region ? [leafnodes(region)] : []),
    "",
  ].join("\n");
}

/**
 * Identities, officers' tokens and auth.conf of one county in `secrets` (created 0700).
 * Idempotent: existing seeds and tokens are kept.
 */
export async function writeCountySecrets(
  secrets: string,
  config: CountyConfig,
  region?: ComposeRegion,
): Promise<void> {
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const identities = await ensureIdentities(
    secrets,
    config.agencies.map((a) => a.code),
  );
  ensureOfficers(join(secrets, "tokens.json"), join(secrets, "officers.json"), config.agencies);
  ensureVaultKeys(secrets, config.agencies);
  // 数据比对's keys, as the launcher makes them: comparison-oprf.key (the comparison service's
  // only) and match-tag.key (the holders' only); its public key goes into public-keys.json.
  const match = ensureMatchKeys(secrets);
  writePublicKeys(secrets, config.county, identities, undefined, match.oprfPublicKey);
  // The county's CA, its three nodes' certificates (every name a node is reached by on the
  // compose networks), and a client certificate per identity that connects: the nodes take
  // routes and clients over mutual TLS only (deploy/nats/nats-server.conf).
  const authority = await ensureAuthority(secrets, config.county);
  // Mounted into every node: empty while the county accepts no neighbour's link.
  if (!existsSync(join(secrets, NEIGHBOUR_CAS)))
    writeFileSync(join(secrets, NEIGHBOUR_CAS), "", { mode: 0o644 });
  await clusterCertificates(
    authority,
    COMPOSE_NODES.length,
    [
      ...Object.keys(identities.agencies),
      identities.admin.name,
      identities.keeper.name,
      identities.comparison.name,
    ],
    [...COMPOSE_NODES.flatMap((n) => [n, `${n}-route`, `${n}-leaf`]), "localhost", "127.0.0.1"],
  );
  // With a link this county dials, the file holds the link's seed: private, as the seeds are
  // (the NATS image runs as root and reads it all the same).
  const file = join(secrets, "auth.conf");
  writeFileSync(
    file,
    renderCountyInclude(config.county, identities, region, config.region.neighbours),
    { mode: 0o600 },
  );
  chmodSync(file, region?.connect.length ? 0o600 : 0o644);
}

/**
 * A county's part in a compose region as the listening side: its nodes listen for links and
 * accept those init-region has recorded for its neighbours. None for a county on its own.
 */
export function listeningRegion(secrets: string, config: CountyConfig): ComposeRegion | undefined {
  const neighbours = config.region.neighbours;
  if (neighbours.length === 0) return undefined;
  return {
    listen: true,
    accept: readAcceptedLinks(secrets).filter((l) => neighbours.includes(l.neighbour)),
    connect: [],
  };
}

/**
 * `public-keys.json` beside the secrets: the county's agencies' public keys and the comparison
 * service's (what the services check seals with, and auditors verify with), the neighbours' kept
 * when written again, and the comparison service's OPRF public key (as the launcher writes it).
 */
export function writePublicKeys(
  secrets: string,
  county: string,
  identities: Identities,
  neighbourKeys?: Record<string, Record<string, string>>,
  comparisonOprfKey?: string,
): PublicKeysFile {
  const file = join(secrets, "public-keys.json");
  let before: PublicKeysFile | undefined;
  try {
    before = PublicKeysFile.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    before = undefined;
  }
  const oprfKey = comparisonOprfKey ?? before?.comparisonOprfKey;
  const keys: PublicKeysFile = {
    county,
    agencies: {
      ...Object.fromEntries(
        Object.entries(identities.agencies).map(([a, id]) => [a, id.publicKey]),
      ),
      // The comparison service (数据比对) records under its own identity: its seals are checked so.
      [identities.comparison.name]: identities.comparison.publicKey,
    },
    neighbourKeys: { ...before?.neighbourKeys, ...neighbourKeys },
    ...(oprfKey ? { comparisonOprfKey: oprfKey } : {}),
  };
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o644 });
  return keys;
}
