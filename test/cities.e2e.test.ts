// 上下联动 across a city line, hub to hub: three cities of a region (张掖, the region's hub; 武威;
// 酒泉), each its own bus with its office, and a county of each linked up to its city (甘州区,
// 凉州区, 肃州区); no two counties have a link of their own. A referral from Ganzhou's health to
// Liangzhou's goes county → city → city → county over the leaf-node links and streams the
// launcher generates (mutual TLS on every link). Ganzhou's city's hub is killed and started again
// while referrals are on their way: every one arrives once, in the order Ganzhou recorded them;
// Liangzhou accepts and the acceptance comes back the same way. Between Liangzhou and Suzhou
// (neither city the region's hub) a referral passes Zhangye's hub too. The hubs keep nothing of
// it on their own log.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STREAMS } from "@liandong/contracts";
import { connectBus } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { type RunningCities, startCities } from "../services/county/src/city.ts";
import type { RunningCounty } from "../services/county/src/county.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { renderLeafnodes } from "../services/county/src/server-config.ts";
import { eventually, officerOf, ROOT } from "./support/county.ts";
import { natsServerBinary, startNatsServer } from "./support/nats-server.ts";

const ZHANGYE = "620700";
const GANZHOU = "620702";
const WUWEI = "620600";
const LIANGZHOU = "620602";
const JIUQUAN = "620900";
const SUZHOU = "620902";
const AGENCIES = [
  { code: "health", name: "卫生健康部门", shortName: "卫健" },
  { code: "family-planning", name: "人口和计划生育部门", shortName: "计生" },
  { code: "office", name: "领导小组办公室", shortName: "领导小组办公室", role: "office" },
];
const county = (code: string) => ({ county: code, agencies: AGENCIES });

let stateDir: string;
let region: RunningCities;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "liandong-cities-"));
  region = await startCities({
    root: ROOT,
    stateDir,
    cities: [
      { city: ZHANGYE, counties: [county(GANZHOU)] },
      { city: WUWEI, counties: [county(LIANGZHOU)] },
      { city: JIUQUAN, counties: [county(SUZHOU)] },
    ],
    natsServer: natsServerBinary(),
    ports: "free",
  });
}, 180_000);

afterAll(async () => {
  await region?.stop();
  if (!process.env.LIANDONG_KEEP_TEST_STATE) rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

type View = {
  referralId: string;
  status: string;
  holderCounty?: string;
  fromCounty?: string;
  toCounty?: string;
  lead?: { target: { name: string; county: string }; informant?: unknown };
  history: { type: string; county?: string; eventId: string }[];
};

const adminOf = (code: string) =>
  connectBus({
    servers: region.buses[code]!.natsUrl,
    agency: "admin",
    seedFile: join(stateDir, code, "secrets", "admin.nk"),
  });

/** The referrals among `ids` in the order a bus's log holds their events (repeats kept). */
async function logOrder(code: string, ids: Set<string>): Promise<string[]> {
  const admin = await adminOf(code);
  try {
    const order: string[] = [];
    for await (const m of readStream(admin, STREAMS.events)) {
      const id = m.subject.split(".")[5]!;
      if (ids.has(id)) order.push(id);
    }
    return order;
  } finally {
    await admin.close();
  }
}

it("a referral to a county of another city travels through both hubs once, in order, while a hub restarts; the acceptance comes back", async () => {
  const gzHealth = officerOf(region.buses[GANZHOU]!, "health");
  const lzHealth = officerOf(region.buses[LIANGZHOU]!, "health");
  const informant = { name: "举报人赵某", phone: "13900000077" };
  const lead = await gzHealth.post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "凉州区某诊所", county: LIANGZHOU },
    summary: "甘州区群众举报，孕妇曾在凉州区某诊所接受胎儿性别鉴定",
    informant,
  });
  expect(lead.status, JSON.stringify(lead.body)).toBe(201);
  const refer = (reason: string) =>
    gzHealth.post<View>("/referrals", {
      to: "health",
      toCounty: LIANGZHOU,
      about: { kind: "lead", id: lead.body.leadId },
      reason,
    });

  // A county of a third city nobody configured is still refused by field.
  const far = await gzHealth.post<{ errors: { field: string }[] }>("/referrals", {
    to: "health",
    toCounty: "110101",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "x",
  });
  expect(far.status).toBe(422);
  expect(far.body.errors.map((e) => e.field)).toEqual(["toCounty"]);

  const first = await refer("诊所位于凉州区，请属地卫健部门查处");
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body).toMatchObject({ status: "offered", fromCounty: GANZHOU, toCounty: LIANGZHOU });
  const referralId = first.body.referralId;

  // More follow while Zhangye's hub is killed and started again: Ganzhou records each at once.
  const sent: string[] = [referralId];
  const batch = async (n: number, tag: string) => {
    for (let i = 0; i < n; i += 10) {
      const rs = await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, (_, k) => refer(`${tag} 第 ${i + k + 1} 件`)),
      );
      for (const r of rs) {
        expect(r.status).toBe(201);
        sent.push(r.body.referralId);
      }
    }
  };
  await batch(40, "断站前");
  const hub = region.buses[ZHANGYE]!;
  await hub.kill({ first: "server" });
  await batch(60, "市级枢纽停机期间");
  await hub.restart();
  await batch(20, "市级枢纽恢复后");

  const ids = new Set(sent);
  const recorded = await logOrder(GANZHOU, ids);
  expect(recorded).toHaveLength(sent.length);
  const received = await eventually(async () => {
    const xs = await logOrder(LIANGZHOU, ids);
    return xs.length >= sent.length ? xs : undefined;
  }, 120_000);
  // Once each, in the order Ganzhou's log holds them.
  expect(received).toEqual(recorded);

  // What Liangzhou's health needs to act on, and nothing of the informant.
  const arrived = await lzHealth.get<View>(`/referrals/${referralId}?wait=30000`);
  expect(arrived.status).toBe(200);
  expect(arrived.body).toMatchObject({
    status: "offered",
    fromCounty: GANZHOU,
    toCounty: LIANGZHOU,
  });
  expect(arrived.body.lead?.target).toMatchObject({ name: "凉州区某诊所", county: LIANGZHOU });
  expect(arrived.body.lead?.informant).toBeUndefined();

  // Liangzhou accepts; Ganzhou's health may not accept for it; the acceptance travels back.
  const notYours = await gzHealth.post(`/referrals/${referralId}/acceptance`, {});
  expect(notYours.status).toBe(403);
  const accepted = await lzHealth.post<View>(`/referrals/${referralId}/acceptance`, {});
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  expect(accepted.body).toMatchObject({ status: "accepted", holderCounty: LIANGZHOU });
  const atGanzhou = await eventually(async () => {
    const r = await gzHealth.get<View>(`/referrals/${referralId}`);
    return r.body.status === "accepted" ? r.body : undefined;
  }, 60_000);
  const steps = (v: View) => v.history.map((h) => [h.type, h.county, h.eventId]);
  expect(steps(atGanzhou)).toEqual(steps(accepted.body));
  expect(steps(atGanzhou).map(([type, county]) => `${type}@${county}`)).toEqual([
    `referral.offered@${GANZHOU}`,
    `referral.accepted@${LIANGZHOU}`,
  ]);
  // Ganzhou's log holds the acceptance once.
  expect(
    (await logOrder(GANZHOU, new Set([referralId]))).filter((id) => id === referralId),
  ).toHaveLength(2);

  // The hubs pass it on and keep none of it on their own log; no stream of theirs names the
  // informant.
  for (const code of [ZHANGYE, WUWEI]) {
    expect(await logOrder(code, ids), code).toEqual([]);
    const admin = await adminOf(code);
    try {
      const jsm = await jetstreamManager(admin);
      for await (const s of jsm.streams.list()) {
        let text = "";
        for await (const m of readStream(admin, s.config.name)) text += Buffer.from(m.bytes);
        for (const secret of [informant.name, informant.phone])
          expect(text.includes(secret), `${code} ${s.config.name}`).toBe(false);
      }
    } finally {
      await admin.close();
    }
  }
}, 300_000);

it("between two cities that are not the region's hub, a referral passes the region's hub too, and its acceptance comes back", async () => {
  const lzHealth = officerOf(region.buses[LIANGZHOU]!, "health");
  const szHealth = officerOf(region.buses[SUZHOU]!, "health");
  const lead = await lzHealth.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "肃州区某诊所", county: SUZHOU },
    summary: "凉州区查明孕妇曾在肃州区某诊所接受胎儿性别鉴定",
  });
  expect(lead.status, JSON.stringify(lead.body)).toBe(201);
  const offered = await lzHealth.post<View>("/referrals", {
    to: "health",
    toCounty: SUZHOU,
    about: { kind: "lead", id: lead.body.leadId },
    reason: "诊所位于肃州区，请属地卫健部门查处",
  });
  expect(offered.status, JSON.stringify(offered.body)).toBe(201);
  const referralId = offered.body.referralId;
  const arrived = await eventually(async () => {
    const r = await szHealth.get<View>(`/referrals/${referralId}?wait=5000`);
    return r.status === 200 ? r : undefined;
  }, 60_000);
  expect(arrived.body).toMatchObject({ fromCounty: LIANGZHOU, toCounty: SUZHOU });
  const accepted = await szHealth.post<View>(`/referrals/${referralId}/acceptance`, {});
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  await eventually(async () => {
    const r = await lzHealth.get<View>(`/referrals/${referralId}`);
    return r.body.status === "accepted" ? true : undefined;
  }, 60_000);
  // Each county's log holds the referral's two steps once; no hub's log holds any.
  for (const code of [LIANGZHOU, SUZHOU])
    expect(await logOrder(code, new Set([referralId])), code).toHaveLength(2);
  for (const code of [ZHANGYE, WUWEI, JIUQUAN])
    expect(await logOrder(code, new Set([referralId])), code).toEqual([]);
}, 180_000);

it("every link is mutual TLS, each side trusting only the CAs of the buses configured at its other end", async () => {
  const conf = (b: RunningCounty) =>
    readFileSync(join(stateDir, b.config.county, "nats-server.conf"), "utf8");
  const pems = (file: string) => readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----/g);
  const trust = (code: string) => join(stateDir, code, "secrets", "tls", "trust.pem");
  // Zhangye's hub (the region's): its leaf-node port verifies, and trusts its county's CA and
  // the peer hubs' that dial it, not Liangzhou's.
  const zy = conf(region.buses[ZHANGYE]!);
  expect(zy).toMatch(/leafnodes \{\n {2}listen: "127\.0\.0\.1:\d+"\n {2}tls \{[^}]*verify: true/);
  const links = join(stateDir, ZHANGYE, "secrets", "tls", "links.pem");
  expect(readFileSync(links, "utf8")).toBe(
    `${[GANZHOU, WUWEI, JIUQUAN].map((c) => readFileSync(trust(c), "utf8").trim()).join("\n")}\n`,
  );
  expect(pems(links)).toHaveLength(3);
  // Wuwei's hub dials Zhangye's with its link certificate, trusting Zhangye's CA only.
  const ww = conf(region.buses[WUWEI]!);
  expect(ww).toContain(join(stateDir, WUWEI, "secrets", "tls", `neighbour-${ZHANGYE}.pem`));
  expect(
    readFileSync(join(stateDir, WUWEI, "secrets", "tls", `neighbour-${ZHANGYE}.pem`), "utf8"),
  ).toBe(`${readFileSync(trust(ZHANGYE), "utf8").trim()}\n`);
  // A county dials its city's hub the same way.
  const gz = conf(region.buses[GANZHOU]!);
  expect(gz).toContain(join(stateDir, GANZHOU, "secrets", "tls", `neighbour-${ZHANGYE}.pem`));

  // Wuwei's hub link key with a certificate of a CA of the region that Zhangye's configuration
  // does not name at its end (Liangzhou's, a county of the other city): refused, said on both
  // sides, at every attempt.
  const hubLog = () => readFileSync(join(stateDir, ZHANGYE, "logs", "nats-server.log"), "utf8");
  const before = hubLog().length;
  const seed = (
    JSON.parse(readFileSync(join(stateDir, "city-links.json"), "utf8")) as Record<
      string,
      { seed: string }
    >
  )[`${WUWEI}>${ZHANGYE}`]!.seed;
  const lzTls = join(stateDir, LIANGZHOU, "secrets", "tls");
  const port = await freePort();
  const impostor = await startNatsServer({
    port,
    fullConfig: [
      `server_name: "impostor-${port}"`,
      `listen: "127.0.0.1:${port}"`,
      renderLeafnodes({
        accept: [],
        connect: [
          {
            neighbour: ZHANGYE,
            url: `nats-leaf://127.0.0.1:${region.cities[ZHANGYE]!.leafPort}`,
            seed,
            tls: {
              certFile: join(lzTls, "link.crt"),
              keyFile: join(lzTls, "link.key"),
              caFile: trust(ZHANGYE),
            },
          },
        ],
      }),
    ].join("\n"),
  });
  try {
    const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, "g"))?.length ?? 0;
    const said = await eventually(async () => {
      const s = hubLog().slice(before);
      return count(s, /TLS leafnode handshake error/i) >= 2 &&
        count(impostor.log(), /Leafnode connection closed/) >= 2
        ? s
        : undefined;
    }, 30_000);
    expect(said).toMatch(/certificate signed by unknown authority|didn't provide a certificate/);
  } finally {
    await impostor.stop();
  }
}, 60_000);
