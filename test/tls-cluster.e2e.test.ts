// A clustered county's routes and client connections over mutual TLS (README, 传输加密 TLS):
// two nodes configured as the launcher configures them (renderCluster, the county's CA and
// certificates), one route and one client connection through recording proxies. The words of
// a referral published on one node and received on the other cross both; with TLS, none of
// them is in the recorded bytes; without (the check's teeth), every one is.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { clusterCertificates, ensureAuthority } from "../services/county/src/certs.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { renderCluster, renderTls } from "../services/county/src/server-config.ts";
import { eventually } from "./support/county.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const dir = mkdtempSync(join(tmpdir(), "liandong-tls-cluster-"));
const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const WORDS = ["JUBAO-阳西县-5c2e81", "非法鉴定胎儿性别-ZHENSUO-77", "LI-SI-13912345678"];

async function twoNodes(tls: boolean) {
  const ca = await ensureAuthority(join(dir, tls ? "tls" : "plain"), "441723");
  const certs = await clusterCertificates(ca, 2, ["health"]);
  const [p1, p2, r1, r2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // Node 2 reaches node 1's route port only through the proxy.
  const route = await startTcpProxy(await freePort(), r1);
  running.push({ stop: route.close });
  const node = (i: 0 | 1, port: number, routePort: number, routes: string[]) => {
    const c = certs.nodes[i]!;
    const t = { certFile: c.certFile, keyFile: c.keyFile, caFile: c.trustFile };
    return startNatsServer({
      port,
      fullConfig: [
        `server_name: "n${i + 1}-${port}"`,
        `listen: "127.0.0.1:${port}"`,
        ...(tls ? [renderTls(t, { verify: true, indent: "" })] : []),
        renderCluster({
          name: "liandong-441723",
          listen: `127.0.0.1:${routePort}`,
          routes,
          ...(tls ? { tls: t } : {}),
        }),
      ].join("\n"),
    });
  };
  const n1: NatsServer = await node(0, p1, r1, []);
  running.push(n1);
  const n2: NatsServer = await node(1, p2, r2, [`nats-route://127.0.0.1:${route.port}`]);
  running.push(n2);
  const client = await startTcpProxy(await freePort(), p1);
  running.push({ stop: client.close });
  return { n1, n2, route, client, clientTls: certs.clients.health! };
}

/** Publishes the words on node 1 (through the client proxy), receives them on node 2. */
async function carry(nodes: Awaited<ReturnType<typeof twoNodes>>, tls: boolean) {
  const opts = tls ? { tls: nodes.clientTls } : {};
  // No authorization here: what is under test is what the route and the client port carry.
  const sub = await connect({ servers: nodes.n2.url, ...opts });
  const pub = await connect({ servers: `nats://127.0.0.1:${nodes.client.port}`, ...opts });
  running.push({ stop: () => sub.close() }, { stop: () => pub.close() });
  const got: string[] = [];
  const s = sub.subscribe("ld.ev.>", {
    callback: (_e, m) => {
      got.push(m.string());
    },
  });
  await sub.flush();
  // Interest crosses the route before the messages do.
  await eventually(async () => {
    pub.publish("ld.ev.441723.health.referral.probe.health", "probe");
    await pub.flush();
    return got.includes("probe") ? true : undefined;
  }, 20_000);
  for (const [n, w] of WORDS.entries())
    pub.publish(`ld.ev.441723.health.referral.${n}.health`, JSON.stringify({ reason: w }));
  await pub.flush();
  await eventually(async () =>
    WORDS.every((w) => got.some((g) => g.includes(w))) ? true : undefined,
  );
  s.unsubscribe();
}

describe("a clustered county's routes and client connections", () => {
  it("in clear (the recording's teeth): the words are in the bytes of the route and of the client", async () => {
    const nodes = await twoNodes(false);
    await carry(nodes, false);
    for (const w of WORDS) {
      expect(nodes.route.recorded().includes(Buffer.from(w)), `${w} on the route`).toBe(true);
      expect(nodes.client.recorded().includes(Buffer.from(w)), `${w} on the client`).toBe(true);
    }
  }, 60_000);

  it("over mutual TLS: none of the words, nor the subjects, in the bytes of either", async () => {
    const nodes = await twoNodes(true);
    await carry(nodes, true);
    for (const [name, proxy] of [
      ["route", nodes.route],
      ["client", nodes.client],
    ] as const) {
      const wire = proxy.recorded();
      expect(wire.length, `${name}: bytes recorded`).toBeGreaterThan(1000);
      for (const w of [...WORDS, "ld.ev.441723", "referral"])
        expect(wire.includes(Buffer.from(w)), `${w} on the ${name}`).toBe(false);
    }
  }, 60_000);

  it("a client without a certificate of the county's CA is refused", async () => {
    const nodes = await twoNodes(true);
    const stranger = await ensureAuthority(join(dir, "stranger"), "441723");
    const other = (await clusterCertificates(stranger, 0, ["health"])).clients.health!;
    for (const tls of [
      { caFile: nodes.clientTls.caFile },
      { ...other, caFile: nodes.clientTls.caFile },
    ])
      await expect(
        connect({ servers: nodes.n1.url, tls, reconnect: false, timeout: 3000 }),
      ).rejects.toThrow();
    // Nor one that would speak in clear.
    await expect(
      connect({ servers: nodes.n1.url, tls: null, reconnect: false, timeout: 3000 }),
    ).rejects.toThrow();
    // The right one connects (the check has teeth).
    const ok = await connect({ servers: nodes.n1.url, tls: nodes.clientTls, reconnect: false });
    await ok.close();
  }, 60_000);
});
