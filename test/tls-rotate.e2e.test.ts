// `liandong certs rotate` on a county of a region (README, 传输加密 TLS › 轮换): its CA replaced
// in three runs while its neighbour's link stays up. After each step both servers reload (the
// CLI signals the county's; the neighbour's operators reload theirs, which read the county's
// trust file): the link is never closed by a reload, a referral crosses it, and the link cut
// and made again (a fresh handshake with whatever certificates are now in use) carries on too.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crossBorderSubject, STREAMS } from "@liandong/contracts";
import { EventPublisher, readPresent } from "@liandong/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../services/county/src/free-port.ts";
import { liandong } from "./support/cli.ts";
import { eventually } from "./support/county.ts";
import { countyCerts, linkKey, type RegionCounty, startRegionCounty } from "./support/region.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
let gz: Awaited<ReturnType<typeof countyCerts>>;
let lz: Awaited<ReturnType<typeof countyCerts>>;
let ganzhou: RegionCounty;
let liangzhou: RegionCounty;
let link: TcpProxy;

beforeAll(async () => {
  gz = await countyCerts(GANZHOU);
  lz = await countyCerts(LIANGZHOU);
  const leafPort = await freePort();
  const key = linkKey();
  ganzhou = await startRegionCounty(GANZHOU, [LIANGZHOU], {
    listen: { host: "127.0.0.1", port: leafPort },
    accept: [{ neighbour: LIANGZHOU, publicKey: key.publicKey }],
    connect: [],
    tls: { ...gz.node, caFile: lz.trustFile },
  });
  link = await startTcpProxy(await freePort(), leafPort);
  liangzhou = await startRegionCounty(LIANGZHOU, [GANZHOU], {
    accept: [],
    connect: [
      {
        neighbour: GANZHOU,
        url: `nats-leaf://127.0.0.1:${link.port}`,
        seed: key.seed,
        // Liangzhou trusts Ganzhou by the trust file Ganzhou's operators hand over: here, the file.
        tls: { ...lz.link, caFile: gz.trustFile },
      },
    ],
  });
  for (const c of [ganzhou, liangzhou]) await c.provision();
}, 60_000);

afterAll(async () => {
  await liangzhou?.stop();
  await ganzhou?.stop();
  await link?.close();
  gz?.cleanup();
  lz?.cleanup();
});

let sent = 0;
async function crosses(): Promise<void> {
  const id = `rotate-${sent++}`;
  const publisher = new EventPublisher(await ganzhou.as("health"), {
    county: GANZHOU,
    agency: "health",
  });
  await publisher.publishBytes(
    crossBorderSubject({
      toCounty: LIANGZHOU,
      county: GANZHOU,
      agency: "health",
      kind: "referral",
      id,
      to: "health",
    }),
    Buffer.from(JSON.stringify({ id })),
    id,
  );
  await publisher.close();
  await eventually(async () => {
    for await (const e of readPresent(liangzhou.admin, STREAMS.inbox("health"), {
      namePrefix: "test",
    }))
      if (new TextDecoder().decode(e.bytes).includes(`"${id}"`)) return true;
    return undefined;
  }, 60_000);
}

const issuerOf = (file: string) => new X509Certificate(readFileSync(file)).issuer;
const cas = (file: string) => readFileSync(file, "utf8").match(/BEGIN CERTIFICATE/g)?.length ?? 0;
const closedLinks = () =>
  (liangzhou.server.log().match(/Leafnode connection closed/g) ?? []).length;

it("replaces Ganzhou's CA in three steps, the old and new trusted during the change, without cutting the link", async () => {
  await crosses();
  const firstIssuer = issuerOf(gz.node.certFile);
  // The CLI's --state: where the pid file of Ganzhou's server is (and --secrets, its secrets).
  const state = mkdtempSync(join(tmpdir(), "liandong-rotate-state-"));
  writeFileSync(join(state, "nats-server.pid"), String(ganzhou.server.pid));
  const steps: { trusted: number; issuer: string; said: string }[] = [];
  for (let step = 1; step <= 3; step++) {
    const closedBefore = closedLinks();
    const r = await liandong(["certs", "rotate", "--state", state, "--secrets", gz.dir]);
    expect(r.code, r.stdout).toBe(0);
    // The neighbour reloads too (its operators, given the trust file): it now trusts what it says.
    process.kill(liangzhou.server.pid, "SIGHUP");
    await new Promise((r) => setTimeout(r, 500));
    // Nothing was cut by the reloads; the live link carries a referral.
    await crosses();
    expect(closedLinks(), `step ${step}: link closed by a reload`).toBe(closedBefore);
    // A fresh handshake, with the certificates now in use: the link comes back and carries on.
    await link.close();
    await link.open();
    await crosses();
    steps.push({
      trusted: cas(gz.trustFile),
      issuer: issuerOf(gz.node.certFile),
      said: r.stdout,
    });
  }
  // 1: both CAs trusted, the old one still issuing; 2: both trusted, certificates of the new
  // one; 3: the new one alone.
  expect(steps.map((s) => s.trusted)).toEqual([2, 2, 1]);
  expect(steps[0]!.issuer).toBe(firstIssuer);
  expect(steps[1]!.issuer).not.toBe(firstIssuer);
  expect(steps[2]!.issuer).toBe(steps[1]!.issuer);
  expect(steps.map((s) => /第 (\d) 步/.exec(s.said)?.[1])).toEqual(["1", "2", "3"]);
  expect(steps[0]!.said).toMatch(/已通知 1 个 nats-server 重新加载/);
  // The link's certificate of Ganzhou's… the node's only: Ganzhou's link to others is issued too.
  expect(issuerOf(gz.link.certFile)).toBe(steps[2]!.issuer);
}, 240_000);
