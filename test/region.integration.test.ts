import { crossBorderSubject, eventSubject, jetstreamDomain, STREAMS } from "@liandong/contracts";
import { EventPublisher, readPresent } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { connect, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../services/county/src/free-port.ts";
import { eventually } from "./support/county.ts";
import { linkKey, type RegionCounty, startRegionCounty } from "./support/region.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
const SUZHOU = "620902";
const open: NatsConnection[] = [];

/** Every message of a stream, in stream order (subject and payload). */
async function readStream(nc: NatsConnection, stream: string) {
  const out: { subject: string; text: string }[] = [];
  for await (const e of readPresent(nc, stream, { namePrefix: "test" }))
    out.push({ subject: e.subject, text: new TextDecoder().decode(e.bytes) });
  return out;
}

const numbered = (xs: { text: string }[], tag: string) =>
  xs
    .map((x) => JSON.parse(x.text) as { tag: string; n: number })
    .filter((x) => x.tag === tag)
    .map((x) => x.n);

async function publishAcross(
  nc: NatsConnection,
  from: string,
  to: string,
  tag: string,
  count: number,
) {
  const publisher = new EventPublisher(nc, { county: from, agency: "health" });
  try {
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        publisher.publishBytes(
          crossBorderSubject({
            toCounty: to,
            county: from,
            agency: "health",
            kind: "referral",
            id: `${tag}-${n}`,
            to: "health",
          }),
          Buffer.from(JSON.stringify({ tag, n })),
          `${tag}-${n}`,
        ),
      ),
    );
  } finally {
    await publisher.close();
  }
}

let liangzhouLink: ReturnType<typeof linkKey>;
let ganzhou: RegionCounty;
let liangzhou: RegionCounty;
let suzhou: RegionCounty;
let toLiangzhou: TcpProxy;
let toSuzhou: TcpProxy;

beforeAll(async () => {
  // Ganzhou accepts the links of its two neighbours; each neighbour connects through a proxy.
  const leafPort = await freePort();
  liangzhouLink = linkKey();
  const suzhouLink = linkKey();
  ganzhou = await startRegionCounty(GANZHOU, [LIANGZHOU, SUZHOU], {
    listen: { host: "127.0.0.1", port: leafPort },
    accept: [
      { neighbour: LIANGZHOU, publicKey: liangzhouLink.publicKey },
      { neighbour: SUZHOU, publicKey: suzhouLink.publicKey },
    ],
    connect: [],
  });
  toLiangzhou = await startTcpProxy(await freePort(), leafPort);
  toSuzhou = await startTcpProxy(await freePort(), leafPort);
  liangzhou = await startRegionCounty(LIANGZHOU, [GANZHOU], {
    accept: [],
    connect: [
      {
        neighbour: GANZHOU,
        url: `nats-leaf://127.0.0.1:${toLiangzhou.port}`,
        seed: liangzhouLink.seed,
      },
    ],
  });
  suzhou = await startRegionCounty(SUZHOU, [GANZHOU], {
    accept: [],
    connect: [
      {
        neighbour: GANZHOU,
        url: `nats-leaf://127.0.0.1:${toSuzhou.port}`,
        seed: suzhouLink.seed,
      },
    ],
  });
  // Streams once every server is up: a source whose neighbour is not there yet backs off.
  for (const c of [ganzhou, liangzhou, suzhou]) await c.provision();
}, 60_000);

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  for (const c of [suzhou, liangzhou, ganzhou]) await c?.stop();
  await toLiangzhou?.close();
  await toSuzhou?.close();
});

describe("a cross-border referral's events", () => {
  it("reach the addressed county only, and there the addressed agency's inbox only", async () => {
    const health = await ganzhou.as("health");
    await publishAcross(health, GANZHOU, LIANGZHOU, "first", 3);
    const arrived = await eventually(async () => {
      const xs = numbered(await readStream(liangzhou.admin, STREAMS.events), "first");
      return xs.length === 3 ? xs : undefined;
    }, 60_000);
    expect(arrived).toEqual([0, 1, 2]);
    // The inbox sources EVENTS in its turn: a moment later.
    const inbox = await eventually(async () => {
      const xs = numbered(await readStream(liangzhou.admin, STREAMS.inbox("health")), "first");
      return xs.length >= 3 ? xs : undefined;
    });
    expect(inbox).toEqual([0, 1, 2]);
    expect(
      numbered(await readStream(liangzhou.admin, STREAMS.inbox("public-security")), "first"),
    ).toEqual([]);
    // Suzhou is a neighbour too, but none of it was addressed to Suzhou.
    expect(numbered(await readStream(suzhou.admin, STREAMS.events), "first")).toEqual([]);
    // Ganzhou keeps its own record of what it sent.
    expect(numbered(await readStream(ganzhou.admin, STREAMS.events), "first")).toEqual([0, 1, 2]);
  }, 90_000);

  it("flow back the other way: Liangzhou's answer reaches Ganzhou", async () => {
    await publishAcross(await liangzhou.as("health"), LIANGZHOU, GANZHOU, "answer", 2);
    const back = await eventually(async () => {
      const xs = numbered(await readStream(ganzhou.admin, STREAMS.inbox("health")), "answer");
      return xs.length === 2 ? xs : undefined;
    }, 60_000);
    expect(back).toEqual([0, 1]);
  }, 90_000);
});

describe("what a neighbour's link may do", () => {
  it("read the one stream kept for it, never the county's log or another neighbour's stream", async () => {
    // Liangzhou's link key, used as a client of Ganzhou: it has exactly the link's permissions.
    const nc = await connect({
      servers: ganzhou.server.url,
      authenticator: nkeyAuthenticator(new TextEncoder().encode(liangzhouLink.seed)),
      inboxPrefix: "$JSC.R",
      noAsyncTraces: true,
    });
    open.push(nc);
    const jsm = await jetstreamManager(nc, {
      domain: jetstreamDomain(GANZHOU),
      timeout: 2000,
      checkAPI: false,
    });
    expect((await jsm.streams.info(STREAMS.regionOut(LIANGZHOU))).config.name).toBe(
      STREAMS.regionOut(LIANGZHOU),
    );
    await expect(jsm.streams.info(STREAMS.events)).rejects.toThrow();
    await expect(jsm.streams.info(STREAMS.regionOut(SUZHOU))).rejects.toThrow();
    await expect(
      jsm.consumers.add(STREAMS.events, { durable_name: "peek", filter_subject: ">" }),
    ).rejects.toThrow();
    // Nor can it put anything into Ganzhou's log.
    await expect(
      jetstream(nc, { domain: jetstreamDomain(GANZHOU), timeout: 2000 }).publish(
        eventSubject({ county: GANZHOU, agency: "health", kind: "lead", id: "forged" }),
        "{}",
      ),
    ).rejects.toThrow();
  });

  it("refuses a link key the county never accepted", async () => {
    const stranger = createUser();
    await expect(
      connect({
        servers: ganzhou.server.url,
        authenticator: nkeyAuthenticator(stranger.getSeed()),
        reconnect: false,
      }),
    ).rejects.toThrow();
  });

  it("an agency cannot address its own county as if across the line, nor publish as another county", async () => {
    const health = await ganzhou.as("health");
    const publisher = new EventPublisher(health, {
      county: GANZHOU,
      agency: "health",
      retries: 0,
      retryForMs: 0,
      timeoutMs: 1000,
    });
    const own = crossBorderSubject({
      toCounty: GANZHOU,
      county: GANZHOU,
      agency: "health",
      kind: "referral",
      id: "x",
      to: "health",
    });
    const forged = eventSubject({
      county: LIANGZHOU,
      agency: "health",
      kind: "referral",
      id: "y",
      to: "health",
    });
    for (const subject of [own, forged]) {
      await expect(
        publisher.publishBytes(subject, Buffer.from("{}"), `${subject}`),
      ).rejects.toThrow();
    }
    await publisher.close();
  });
});

describe("store and forward", () => {
  it("while the link is down both counties keep working; when it returns, 1,000 referrals arrive once, in order", async () => {
    const before = (await readStream(liangzhou.admin, STREAMS.events)).length;
    await toLiangzhou.close();
    // Ganzhou's agencies go on: every one of the 1,000 is acknowledged by Ganzhou's own stream.
    await publishAcross(await ganzhou.as("health"), GANZHOU, LIANGZHOU, "outage", 1000);
    // Liangzhou goes on too, on its own side of the line.
    const lzHealth = new EventPublisher(await liangzhou.as("health"), {
      county: LIANGZHOU,
      agency: "health",
    });
    await lzHealth.publishBytes(
      eventSubject({ county: LIANGZHOU, agency: "health", kind: "lead", id: "during-outage" }),
      Buffer.from(JSON.stringify({ tag: "local", n: 0 })),
      "during-outage",
    );
    await lzHealth.close();
    // Nothing crossed while the link was down; Suzhou's link is untouched.
    expect(numbered(await readStream(liangzhou.admin, STREAMS.events), "outage")).toEqual([]);
    await publishAcross(await ganzhou.as("health"), GANZHOU, SUZHOU, "suzhou", 5);
    await eventually(async () => {
      const xs = numbered(await readStream(suzhou.admin, STREAMS.events), "suzhou");
      return xs.length === 5 ? xs : undefined;
    }, 60_000);

    await toLiangzhou.open();
    const arrived = await eventually(async () => {
      const xs = numbered(await readStream(liangzhou.admin, STREAMS.events), "outage");
      return xs.length >= 1000 ? xs : undefined;
    }, 120_000);
    expect(arrived).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(numbered(await readStream(liangzhou.admin, STREAMS.inbox("health")), "outage")).toEqual(
      arrived,
    );
    const after = await readStream(liangzhou.admin, STREAMS.events);
    // Exactly the 1,000 and Liangzhou's own event were added: nothing twice.
    expect(after.length - before).toBe(1001);
  }, 120_000);
});
