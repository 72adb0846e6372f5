// Counties of a cooperation region for tests and benchmarks: each its own nats-server and
// JetStream domain, with its own identities, linked by leaf nodes as RegionLinks say.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectBus, keepSourcesFlowing, provisionCounty } from "@liandong/runtime";
import { createUser } from "@nats-io/nkeys";
import type { NatsConnection } from "@nats-io/transport-node";
import { linkCertificates } from "../../services/county/src/certs.ts";
import { freePort } from "../../services/county/src/free-port.ts";
import { ensureIdentities, type Identities } from "../../services/county/src/identities.ts";
import { type RegionLinks, renderServerConfig } from "../../services/county/src/server-config.ts";
import { type NatsServer, startNatsServer } from "./nats-server.ts";

export const REGION_AGENCIES = ["health", "public-security", "office"];

export type RegionCounty = {
  code: string;
  server: NatsServer;
  identities: Identities;
  admin: NatsConnection;
  as(agency: string): Promise<NatsConnection>;
  provision(): Promise<void>;
  stop(): Promise<void>;
};

/** A link key per connecting county, as its operators would make one and hand over the public half. */
export const linkKey = () => {
  const k = createUser();
  return { publicKey: k.getPublicKey(), seed: new TextDecoder().decode(k.getSeed()) };
};

/**
 * A county's certificate authority and the certificates of its links, in a folder of their own
 * (as `startCounty` keeps them with the county's secrets): what each county of a region has.
 */
export async function countyCerts(code: string) {
  const dir = mkdtempSync(join(tmpdir(), `liandong-tls-${code}-`));
  return {
    dir,
    ...(await linkCertificates(dir, code)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startRegionCounty(
  code: string,
  neighbours: string[],
  region: RegionLinks,
): Promise<RegionCounty> {
  const dir = mkdtempSync(join(tmpdir(), `liandong-region-${code}-`));
  mkdirSync(join(dir, "secrets"), { mode: 0o700 });
  const identities = await ensureIdentities(join(dir, "secrets"), REGION_AGENCIES);
  const port = await freePort();
  const storeDir = join(dir, "data");
  const config = renderServerConfig({
    county: code,
    serverName: `liandong-${code}`,
    host: "127.0.0.1",
    port,
    storeDir,
    identities,
    region,
    neighbours,
  });
  const server = await startNatsServer({ port, storeDir, fullConfig: config });
  const open: NatsConnection[] = [];
  const connectAs = async (agency: string) => {
    const operator = { admin: identities.admin, keeper: identities.keeper }[agency];
    const seedFile = (operator ?? identities.agencies[agency]!).seedFile;
    const nc = await connectBus({ servers: server.url, agency, seedFile });
    open.push(nc);
    return nc;
  };
  const admin = await connectAs("admin");
  let keeper: { stop(): void } | undefined;
  return {
    code,
    server,
    identities,
    admin,
    as: connectAs,
    // As the county launcher does: sources restarted once a cut link is back.
    async provision() {
      await provisionCounty(admin, { county: code, agencies: REGION_AGENCIES, neighbours });
      keeper ??= keepSourcesFlowing(await connectAs("keeper"));
    },
    async stop() {
      keeper?.stop();
      for (const nc of open) await nc.close().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
