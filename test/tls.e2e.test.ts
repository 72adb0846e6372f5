// Leaf-node links between counties over mutual TLS (README, 传输加密 TLS): each county has its own
// CA; the county a link dials trusts only the CAs of the neighbours in its configuration. What
// crosses the link is unreadable on the wire; a neighbour presenting another CA's certificate,
// or none, is refused and both sides say so in their logs, while the right neighbour carries on.
import { readFileSync } from "node:fs";
import { crossBorderSubject, STREAMS } from "@liandong/contracts";
import { EventPublisher, readPresent } from "@liandong/runtime";
import { connect, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeBundle } from "../services/county/src/certs.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { renderLeafnodes } from "../services/county/src/server-config.ts";
import { eventually } from "./support/county.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";
import { countyCerts, linkKey, type RegionCounty, startRegionCounty } from "./support/region.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
const SUZHOU = "620902";

type Certs = Awaited<ReturnType<typeof countyCerts>>;
const certs: Record<string, Certs> = {};
let ganzhou: RegionCounty;
let liangzhou: RegionCounty;
let link: TcpProxy;
let leafPort: number;
let suzhouLink: ReturnType<typeof linkKey>;
const others: NatsServer[] = [];
const open: NatsConnection[] = [];

async function readTexts(nc: NatsConnection, stream: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readPresent(nc, stream, { namePrefix: "test" }))
    out.push(new TextDecoder().decode(e.bytes));
  return out;
}

/** Referrals from Ganzhou's health to Liangzhou's, each carrying `words` in its id and payload. */
async function refer(nc: NatsConnection, words: string[]) {
  const publisher = new EventPublisher(nc, { county: GANZHOU, agency: "health" });
  try {
    for (const [n, w] of words.entries()) {
      const id = `${w.replace(/[^\w-]/g, "")}-${n}`;
      await publisher.publishBytes(
        crossBorderSubject({
          toCounty: LIANGZHOU,
          county: GANZHOU,
          agency: "health",
          kind: "referral",
          id,
          to: "health",
        }),
        Buffer.from(JSON.stringify({ id, reason: w, target: `${w} 凉州区某诊所` })),
        id,
      );
    }
  } finally {
    await publisher.close();
  }
}

const arrivedIn = (county: RegionCounty, words: string[]) =>
  eventually(async () => {
    const texts = await readTexts(county.admin, STREAMS.inbox("health"));
    return words.every((w) => texts.some((t) => t.includes(w))) ? true : undefined;
  }, 60_000);

beforeAll(async () => {
  for (const c of [GANZHOU, LIANGZHOU, SUZHOU]) certs[c] = await countyCerts(c);
  leafPort = await freePort();
  const liangzhouLink = linkKey();
  suzhouLink = linkKey();
  // Ganzhou's configuration names two neighbours: their CAs are the only ones its port trusts.
  const neighbourCas = writeBundle(`${certs[GANZHOU]!.dir}/neighbours.pem`, [
    certs[LIANGZHOU]!.trustFile,
    certs[SUZHOU]!.trustFile,
  ]);
  ganzhou = await startRegionCounty(GANZHOU, [LIANGZHOU, SUZHOU], {
    listen: { host: "127.0.0.1", port: leafPort },
    accept: [
      { neighbour: LIANGZHOU, publicKey: liangzhouLink.publicKey },
      { neighbour: SUZHOU, publicKey: suzhouLink.publicKey },
    ],
    connect: [],
    tls: { ...certs[GANZHOU]!.node, caFile: neighbourCas },
  });
  link = await startTcpProxy(await freePort(), leafPort);
  liangzhou = await startRegionCounty(LIANGZHOU, [GANZHOU], {
    accept: [],
    connect: [
      {
        neighbour: GANZHOU,
        url: `nats-leaf://127.0.0.1:${link.port}`,
        seed: liangzhouLink.seed,
        tls: { ...certs[LIANGZHOU]!.link, caFile: certs[GANZHOU]!.trustFile },
      },
    ],
  });
  for (const c of [ganzhou, liangzhou]) await c.provision();
}, 60_000);

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  for (const s of others) await s.stop().catch(() => undefined);
  await liangzhou?.stop();
  await ganzhou?.stop();
  await link?.close();
  for (const c of Object.values(certs)) c.cleanup();
});

describe("a region link over mutual TLS", () => {
  it("carries referrals whose words never appear in the bytes on the wire", async () => {
    const words = [
      "XIANSUO-甘州-7f3a9c",
      "举报B超鉴定胎儿性别-ZHENSUO-42",
      "ZHANG-SAN-13800138000",
    ];
    // Ganzhou's health speaks to its own server through a recording proxy too, in clear (the
    // client port on loopback): the recording sees the words there, so it would see them on
    // the link if they crossed it readable.
    const clientProxy = await startTcpProxy(await freePort(), ganzhou.server.port);
    try {
      const health = await connect({
        servers: `nats://127.0.0.1:${clientProxy.port}`,
        authenticator: nkeyAuthenticator(
          new TextEncoder().encode(
            readFileSync(ganzhou.identities.agencies.health!.seedFile, "utf8").trim(),
          ),
        ),
        inboxPrefix: "_INBOX_health",
        noAsyncTraces: true,
      });
      open.push(health);
      await refer(health, words);
      await arrivedIn(liangzhou, words);
      const clear = clientProxy.recorded();
      for (const w of words)
        expect(clear.includes(Buffer.from(w)), `${w} on the client port`).toBe(true);
    } finally {
      await clientProxy.close();
    }
    const wire = link.recorded();
    // The link did carry them (and the handshake): a few KB at least.
    expect(wire.length).toBeGreaterThan(2000);
    for (const w of words) {
      expect(wire.includes(Buffer.from(w)), `${w} on the region link`).toBe(false);
      expect(wire.includes(Buffer.from(w, "utf16le")), `${w} (UTF-16) on the region link`).toBe(
        false,
      );
    }
    // Nor the subjects and stream names that would tell who refers what to whom.
    for (const clear of [`ld.ev.${GANZHOU}`, STREAMS.regionOut(LIANGZHOU), "referral"])
      expect(wire.includes(Buffer.from(clear)), `${clear} on the region link`).toBe(false);
  }, 90_000);
});

/** A server dialing Ganzhou's leaf-node port as Suzhou's link, with the link's `tls` (or none). */
async function dialAsSuzhou(tls: Parameters<typeof renderLeafnodes>[0]["connect"][number]["tls"]) {
  const port = await freePort();
  const server = await startNatsServer({
    port,
    fullConfig: [
      `server_name: "impostor-${port}"`,
      `listen: "127.0.0.1:${port}"`,
      renderLeafnodes({
        accept: [],
        connect: [
          {
            neighbour: GANZHOU,
            url: `nats-leaf://127.0.0.1:${leafPort}`,
            seed: suzhouLink.seed,
            ...(tls ? { tls } : {}),
          },
        ],
      }),
    ].join("\n"),
  });
  others.push(server);
  return server;
}

const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, "g"))?.length ?? 0;
const HANDSHAKE_ERROR = /TLS leafnode handshake error/i;
const CLOSED = /Leafnode connection closed/;

/**
 * Refused, and said on both sides: Ganzhou's server logs the failed handshake and why, at every
 * attempt; the dialer's logs each attempt closed (with TLS 1.3 the refusal reaches the dialing
 * side after its half of the handshake: nats-server says "Read Error"), and it keeps retrying.
 */
async function refusedTwice(dialer: NatsServer, ganzhouBefore: number): Promise<string> {
  return eventually(async () => {
    const said = ganzhou.server.log().slice(ganzhouBefore);
    return count(said, HANDSHAKE_ERROR) >= 2 && count(dialer.log(), CLOSED) >= 2 ? said : undefined;
  }, 20_000);
}

describe("who may open a link", () => {
  afterEach(async () => {
    for (const server of others.splice(0)) await server.stop();
  });

  it("refuses a neighbour whose certificate another CA issued, and says so on both sides, while the right neighbour carries on", async () => {
    // Suzhou's link key, but a certificate of a CA Ganzhou's configuration does not name.
    const stranger = await countyCerts(SUZHOU);
    try {
      const before = ganzhou.server.log().length;
      const impostor = await dialAsSuzhou({ ...stranger.link, caFile: certs[GANZHOU]!.trustFile });
      const said = await refusedTwice(impostor, before);
      // Go's TLS client offers its certificate only to a server that asks for its CA: here it
      // offers none, and Ganzhou says so.
      expect(said).toMatch(/certificate signed by unknown authority|didn't provide a certificate/);
      expect(impostor.log()).toMatch(/Leafnode connection closed: Read Error/);
      // Liangzhou's link carries on.
      const words = ["AFTER-IMPOSTOR-9d1e"];
      await refer(await ganzhou.as("health"), words);
      await arrivedIn(liangzhou, words);
    } finally {
      stranger.cleanup();
    }
  }, 60_000);

  it("refuses a neighbour that presents no certificate, or speaks in clear", async () => {
    const none = { caFile: certs[GANZHOU]!.trustFile };
    for (const [tls, why] of [
      [none, /didn't provide a certificate|certificate required/],
      [undefined, /first record does not look like a TLS handshake|handshake/],
    ] as const) {
      const before = ganzhou.server.log().length;
      const dialer = await dialAsSuzhou(tls);
      expect(await refusedTwice(dialer, before), JSON.stringify(tls)).toMatch(why);
    }
  }, 60_000);

  it("a dialing county refuses a server its neighbour's CA did not issue, and says so on both sides", async () => {
    // Someone else listening where Liangzhou dials Ganzhou: a certificate of another CA.
    const fake = await countyCerts(GANZHOU);
    const port = await freePort();
    try {
      const listener = await startNatsServer({
        port,
        fullConfig: [
          `server_name: "fake-ganzhou-${port}"`,
          `listen: "127.0.0.1:${port}"`,
          renderLeafnodes({
            listen: { host: "127.0.0.1", port: await freePort() },
            accept: [],
            connect: [],
            tls: { ...fake.node, caFile: certs[LIANGZHOU]!.trustFile },
          }),
        ].join("\n"),
      });
      others.push(listener);
      const leaf = /listen: "127\.0\.0\.1:(\d+)"/.exec(
        readFileSync(listener.configFile, "utf8").split("leafnodes")[1]!,
      )![1]!;
      const dialerPort = await freePort();
      const dialer = await startNatsServer({
        port: dialerPort,
        fullConfig: [
          'server_name: "liangzhou-dialing"',
          `listen: "127.0.0.1:${dialerPort}"`,
          renderLeafnodes({
            accept: [],
            connect: [
              {
                neighbour: GANZHOU,
                url: `nats-leaf://127.0.0.1:${leaf}`,
                seed: linkKey().seed,
                tls: { ...certs[LIANGZHOU]!.link, caFile: certs[GANZHOU]!.trustFile },
              },
            ],
          }),
        ].join("\n"),
      });
      others.push(dialer);
      await eventually(
        async () =>
          count(dialer.log(), /certificate signed by unknown authority/) >= 2 &&
          count(listener.log(), HANDSHAKE_ERROR) >= 2
            ? true
            : undefined,
        20_000,
      );
      expect(listener.log()).toMatch(/bad certificate|unknown certificate authority/);
    } finally {
      fake.cleanup();
    }
  }, 60_000);

  it("a neighbour with the right certificate links, and stays linked (the checks have teeth)", async () => {
    const before = ganzhou.server.log().length;
    const right = await dialAsSuzhou({ ...certs[SUZHOU]!.link, caFile: certs[GANZHOU]!.trustFile });
    await eventually(
      async () => (/Leafnode connection created/.test(right.log()) ? true : undefined),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(right.log()).not.toMatch(CLOSED);
    expect(ganzhou.server.log().slice(before)).not.toMatch(HANDSHAKE_ERROR);
  }, 30_000);
});
