// S5 (scenarios.md) — across the city line (区域协作): Ganzhou district's health refers a clinic
// in Liangzhou district to Liangzhou's health over the regional link; the link is down for a
// while and both counties keep working; when it returns the referral arrives once; Liangzhou
// accepts, investigates and feeds back; Ganzhou's office sees it completed, and the trail across
// both counties verifies with both counties' keys. Two counties, each its own nats-server and
// services, linked by a leaf node through a proxy the test can cut. Everything through HTTP.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STREAMS } from "@liandong/contracts";
import { connectBus, crossCheck, LogVerifier, type VerifyReport } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import type { RunningCounty } from "../services/county/src/county.ts";
import { playRegionDemo } from "../services/county/src/demo.ts";
import { freePort } from "../services/county/src/free-port.ts";
import { type RunningRegion, startRegion } from "../services/county/src/region.ts";
import { liandong } from "./support/cli.ts";
import { eventually, officerOf, ROOT } from "./support/county.ts";
import { natsServerBinary } from "./support/nats-server.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";

let stateDir: string;
let region: RunningRegion;
let link: TcpProxy;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "liandong-region-"));
  const configFile = join(stateDir, "input.json");
  writeFileSync(configFile, JSON.stringify({ county: GANZHOU }));
  const leafPort = await freePort();
  link = await startTcpProxy(await freePort(), leafPort);
  region = await startRegion({
    root: ROOT,
    stateDir,
    configFile,
    natsServer: natsServerBinary(),
    ports: "free",
    neighbour: LIANGZHOU,
    leafPort,
    linkPort: link.port,
  });
}, 120_000);

afterAll(async () => {
  await region?.stop();
  await link?.close();
  if (!process.env.LIANDONG_KEEP_TEST_STATE) rmSync(stateDir, { recursive: true, force: true });
});

type View = {
  referralId: string;
  status: string;
  holder: string;
  holderCounty?: string;
  fromCounty?: string;
  toCounty?: string;
  lead?: { target: { name: string; county: string }; informant?: unknown };
  feedback?: { outcome: string };
  history: { type: string; county?: string; eventId: string; void?: boolean }[];
};

const adminOf = (county: RunningCounty) =>
  connectBus({
    servers: county.natsUrl,
    agency: "admin",
    seedFile: join(county.keysFile, "..", "secrets", "admin.nk"),
  });

/** The referrals among `ids` in the order the county's log holds their events (repeats kept). */
async function logOrder(county: RunningCounty, ids: Set<string>): Promise<string[]> {
  const admin = await adminOf(county);
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

/** Each county's agencies' public keys, by county: what a neighbour's pending event is checked with. */
const keysOf = () =>
  Object.fromEntries(
    [region.home, region.neighbour].map((c) => {
      const k = JSON.parse(readFileSync(c.keysFile, "utf8")) as {
        county: string;
        agencies: Record<string, string>;
      };
      return [k.county, k.agencies];
    }),
  );

async function verified(county: RunningCounty): Promise<VerifyReport> {
  const keys = JSON.parse(readFileSync(county.keysFile, "utf8")) as {
    county: string;
    agencies: Record<string, string>;
  };
  const admin = await adminOf(county);
  try {
    const v = new LogVerifier({ keys: keys.agencies, county: keys.county });
    for await (const e of readStream(admin, STREAMS.events)) v.add(e);
    return v.finish();
  } finally {
    await admin.close();
  }
}

it("S5: a referral across the county line (and 1,000 more) through an outage, fed back and verified in both counties", async () => {
  const gzHealth = officerOf(region.home, "health");
  const lzHealth = officerOf(region.neighbour, "health");
  const gzOffice = officerOf(region.home, "office");
  const lzOffice = officerOf(region.neighbour, "office");

  // 1. A case in Ganzhou shows the determination was done at a clinic in Liangzhou.
  const lead = await gzHealth.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "凉州区某诊所", county: LIANGZHOU },
    summary: "甘州区立案调查中查明，孕妇曾在凉州区某诊所接受胎儿性别鉴定",
    informant: { name: "举报人王某", phone: "13900000001" },
    evidence: [
      {
        ref: "health:case-620702/statement-3.pdf",
        sha256: createHash("sha256").update("statement").digest("hex"),
      },
    ],
  });
  expect(lead.status).toBe(201);
  // The target is Liangzhou's (属地管理): the lead goes there too, without any informant.
  const across = (lead.body as { sharedAcross?: { county: string; agencies: string[] } })
    .sharedAcross;
  expect(across).toMatchObject({ county: LIANGZHOU });
  expect(across?.agencies).toContain("health");
  const sharedThere = await eventually(async () => {
    const r = await lzHealth.get<{ county: string; from: string; lead: { informant?: unknown } }>(
      `/inbox/${lead.body.leadId}`,
    );
    return r.status === 200 ? r.body : undefined;
  }, 30_000);
  expect(sharedThere).toMatchObject({ county: GANZHOU, from: "health" });
  expect(sharedThere.lead.informant).toBeUndefined();
  // No shared stream of either county carries who the informant is.
  for (const county of [region.home, region.neighbour]) {
    const admin = await adminOf(county);
    try {
      const jsm = await jetstreamManager(admin);
      for await (const s of jsm.streams.list()) {
        if (s.config.name.startsWith("KV_")) continue;
        let text = "";
        for await (const m of readStream(admin, s.config.name)) text += Buffer.from(m.bytes);
        for (const secret of ["举报人王某", "13900000001"])
          expect(text.includes(secret), `${county.config.county} ${s.config.name}`).toBe(false);
      }
    } finally {
      await admin.close();
    }
  }

  // A county that is not a neighbour is refused by field.
  const far = await gzHealth.post<{ errors: { field: string }[] }>("/referrals", {
    to: "health",
    toCounty: "110101",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "x",
  });
  expect(far.status).toBe(422);
  expect(far.body.errors.map((e) => e.field)).toEqual(["toCounty"]);

  // 3. The link is down: both counties keep working.
  await link.close();
  // 2. Ganzhou's health refers the clinic to Liangzhou's health (the target's county: 属地管理).
  const offered = await gzHealth.post<View>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "诊所位于凉州区，请属地卫健部门查处",
  });
  expect(offered.status).toBe(201);
  expect(offered.body).toMatchObject({
    status: "offered",
    fromCounty: GANZHOU,
    toCounty: LIANGZHOU,
    holder: "health",
    holderCounty: GANZHOU,
  });
  const referralId = offered.body.referralId;
  const local = await officerOf(region.neighbour, "family-planning").post("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "凉州区随访对象", county: LIANGZHOU },
    summary: "断链期间凉州区照常登记线索",
  });
  expect(local.status).toBe(201);
  // A thousand more cross the line while it is down, each acknowledged in Ganzhou at once.
  const BACKLOG = 1000;
  const backlog: string[] = [];
  for (let i = 0; i < BACKLOG; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, BACKLOG - i) }, (_, k) =>
        gzHealth.post<View>("/referrals", {
          to: "health",
          about: { kind: "lead", id: lead.body.leadId },
          reason: `断链期间移交第 ${i + k + 1} 件`,
        }),
      ),
    );
    for (const r of batch) {
      expect(r.status).toBe(201);
      backlog.push(r.body.referralId);
    }
  }
  const waiting = await lzHealth.get(`/referrals/${referralId}?wait=1500`);
  expect(waiting.status).toBe(404);
  expect(await logOrder(region.neighbour, new Set(backlog))).toEqual([]);

  // When it returns, the referral arrives once.
  await link.open();
  const arrived = await lzHealth.get<View>(`/referrals/${referralId}?wait=30000`);
  expect(arrived.status).toBe(200);
  expect(arrived.body).toMatchObject({
    status: "offered",
    fromCounty: GANZHOU,
    toCounty: LIANGZHOU,
  });
  // What Liangzhou needs to act, and nothing of an informant.
  expect(arrived.body.lead?.target).toMatchObject({ name: "凉州区某诊所", county: LIANGZHOU });
  expect(arrived.body.lead?.informant).toBeUndefined();
  // The backlog follows: every one once, in the order Ganzhou recorded them.
  const sent = await logOrder(region.home, new Set(backlog));
  expect(new Set(sent).size).toBe(BACKLOG);
  expect(sent).toHaveLength(BACKLOG);
  const received = await eventually(async () => {
    const xs = await logOrder(region.neighbour, new Set(backlog));
    return xs.length >= BACKLOG ? xs : undefined;
  }, 60_000);
  expect(received).toEqual(sent);
  const inbox = await eventually(async () => {
    const r = await lzHealth.get<{ items: { referralId: string }[] }>("/referrals?waiting=true");
    return r.body.items.length >= BACKLOG + 1 ? r.body.items : undefined;
  }, 30_000);
  expect(inbox.filter((i) => i.referralId === referralId)).toHaveLength(1);
  expect(inbox.map((i) => i.referralId).sort()).toEqual([referralId, ...backlog].sort());

  // 4. Liangzhou accepts, investigates and feeds back.
  const accepted = await lzHealth.post<View>(`/referrals/${referralId}/acceptance`, {});
  expect(accepted.body).toMatchObject({ status: "accepted", holderCounty: LIANGZHOU });
  // Ganzhou's health may not act for Liangzhou's: it is not the addressee.
  const notYours = await gzHealth.post(`/referrals/${referralId}/completion`, {
    actions: "x",
    outcome: "x",
  });
  expect(notYours.status).toBe(403);
  const opened = await lzHealth.post<{ caseId: string }>("/cases", {
    title: "凉州区某诊所非法鉴定胎儿性别案",
    referrals: [referralId],
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "凉州区某诊所", county: LIANGZHOU },
  });
  expect(opened.status).toBe(201);
  const closed = await lzHealth.post(`/cases/${opened.body.caseId}/closure`, {
    summary: "查实该诊所使用B超为孕妇鉴定胎儿性别",
    sanctions: [{ kind: "revoke-institution-licence", against: "凉州区某诊所" }],
  });
  expect(closed.status).toBe(200);
  const completed = await lzHealth.post<View>(`/referrals/${referralId}/completion`, {
    actions: "立案查处，现场查封B超机一台",
    outcome: "吊销该诊所《医疗机构执业许可证》",
  });
  expect(completed.body.status).toBe("completed");

  // Feedback flows back; both parties hold the same history.
  const atGanzhou = await eventually(async () => {
    const r = await gzHealth.get<View>(`/referrals/${referralId}`);
    return r.body.status === "completed" ? r.body : undefined;
  }, 30_000);
  expect(atGanzhou.feedback?.outcome).toBe("吊销该诊所《医疗机构执业许可证》");
  const steps = (v: View) => v.history.map((h) => [h.type, h.county, h.eventId]);
  expect(steps(atGanzhou)).toEqual(steps(completed.body));
  expect(steps(atGanzhou).map(([type, county]) => `${type}@${county}`)).toEqual([
    `referral.offered@${GANZHOU}`,
    `referral.accepted@${LIANGZHOU}`,
    `referral.completed@${LIANGZHOU}`,
  ]);

  // Ganzhou's office sees its cross-border referral completed; Liangzhou's office sees it too.
  for (const [office, name] of [
    [gzOffice, "甘州区"],
    [lzOffice, "凉州区"],
  ] as const) {
    const tracked = await eventually(async () => {
      const r = await office.get<{
        status: string;
        fromCounty?: string;
        toCounty?: string;
        holder: string;
      }>(`/tracker/referrals/${referralId}`);
      return r.body.status === "completed" ? r.body : undefined;
    }, 30_000);
    // Completed: it rests with Liangzhou's health, which completed it, in both offices as in
    // both agencies (one definition of 当前持有); nobody's step is due any more.
    expect(tracked, name).toMatchObject({
      fromCounty: GANZHOU,
      toCounty: LIANGZHOU,
      holder: "health",
      holderCounty: LIANGZHOU,
    });
    expect(tracked, name).not.toHaveProperty("awaiting");
  }
  // The trail spans both counties, and its hash chain holds.
  const trail = await gzOffice.get<{
    verification: { ok: boolean; checked: number };
    steps: { type: string; agency: string }[];
  }>(`/trail/referral/${referralId}`);
  // Three hand-offs, and Ganzhou's refused attempt to complete it (留痕).
  expect(trail.body.verification).toMatchObject({ ok: true, checked: 4 });
  expect(trail.body.steps.map((s) => s.type).sort()).toEqual([
    "attempt.refused",
    "referral.accepted",
    "referral.completed",
    "referral.offered",
  ]);

  // Each county's log verifies with its own agencies' keys, every event sealed; what each holds
  // from the other is exactly what the other sealed as sent.
  let last: unknown;
  const reports = await eventually(async () => {
    const [gz, lz] = await Promise.all([verified(region.home), verified(region.neighbour)]);
    last = { gz: gz.unsealed, lz: lz.unsealed };
    return gz.unsealed.length === 0 && lz.unsealed.length === 0 ? { gz, lz } : undefined;
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: unsealed ${JSON.stringify(last)}`);
  });
  expect(reports.gz.findings).toEqual([]);
  expect(reports.lz.findings).toEqual([]);
  // Besides what the offices exchange to witness each other's heads (见证).
  const business = (r: VerifyReport) => r.foreign.filter((e) => e.agency !== "office");
  expect(business(reports.gz).length).toBe(2);
  expect(business(reports.lz).length).toBe(across!.agencies.length + 1 + BACKLOG);
  expect(
    crossCheck({ [GANZHOU]: reports.gz, [LIANGZHOU]: reports.lz }, { keys: keysOf() }).findings,
  ).toEqual([]);
  // A foreign event that the neighbour never sent is named.
  const tampered = {
    ...reports.gz,
    foreign: [{ ...reports.gz.foreign[0]!, hash: "0".repeat(64) }],
  };
  expect(
    crossCheck({ [GANZHOU]: tampered, [LIANGZHOU]: reports.lz }, { keys: keysOf() }).findings,
  ).toHaveLength(1);

  // The same, offline, with the command-line tool: each county's export and public keys. The two
  // exports are taken one after the other while the offices keep witnessing each other: what one
  // county sent between them stands in the other's export but not yet in its own, and is pending
  // (to check when it is exported again), not a finding.
  const logs: string[] = [];
  for (const county of [region.home, region.neighbour]) {
    const file = join(stateDir, `${county.config.county}.ndjson`);
    await liandong([
      "export",
      "--nats",
      county.natsUrl,
      "--seed",
      join(county.keysFile, "..", "secrets", "admin.nk"),
      "--out",
      file,
    ]);
    logs.push("--log", `${file}:${county.keysFile}`);
  }
  const region_ = await liandong(["verify-region", ...logs, "--json"]);
  const regionReport = JSON.parse(region_.stdout) as {
    pending: unknown[];
    witnesses: { pending: unknown[] };
  };
  if (regionReport.pending.length > 0 || regionReport.witnesses.pending.length > 0)
    console.error(
      `verify-region, pending between the two exports: ${JSON.stringify({ events: regionReport.pending, heads: regionReport.witnesses.pending })}`,
    );
  expect(region_.code, region_.stdout).toBe(0);
  expect(regionReport).toMatchObject({ ok: true, crossCheck: [] });
  // A neighbour's event that Ganzhou's log never sent, slipped into Liangzhou's export: named.
  const lzFile = join(stateDir, `${LIANGZHOU}.ndjson`);
  const lines = readFileSync(lzFile, "utf8").trimEnd().split("\n");
  const i = lines.findIndex((l) =>
    Buffer.from((JSON.parse(l) as { data: string }).data, "base64")
      .toString("utf8")
      .includes("断链期间移交"),
  );
  expect(i).toBeGreaterThanOrEqual(0);
  const entry = JSON.parse(lines[i]!) as { data: string };
  const forged = Buffer.from(entry.data, "base64")
    .toString("utf8")
    .replace("断链期间移交", "伪造的移交");
  lines[i] = JSON.stringify({
    ...JSON.parse(lines[i]!),
    data: Buffer.from(forged).toString("base64"),
  });
  writeFileSync(lzFile, `${lines.join("\n")}\n`);
  const caught = await liandong(["verify-region", ...logs]);
  expect(caught.code).toBe(1);
  expect(caught.stdout).toContain("伪造 — ");
  expect(caught.stdout).toContain(`甘州区（${GANZHOU}）的日志却从未发出`);
  // The same, for an English reader: the finding's words from its code, the exit code the same.
  const inEnglish = await liandong(["verify-region", ...logs, "--lang", "en"]);
  expect(inEnglish.code).toBe(1);
  expect(inEnglish.stdout).toContain("forged — ");
  expect(inEnglish.stdout).toContain(`county ${GANZHOU}'s log never sent`);
}, 240_000);

it("a withdrawal racing an acceptance across the line: one winner, the same history in both counties", async ({
  annotate,
}) => {
  const gzHealth = officerOf(region.home, "health");
  const lzHealth = officerOf(region.neighbour, "health");
  const outcomes = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const lead = await gzHealth.post<{ leadId: string }>("/leads", {
      source: "record-audit",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: `凉州区某诊所（第${round}轮）`, county: LIANGZHOU },
      summary: "跨区移交并发测试",
    });
    const offered = await gzHealth.post<View>("/referrals", {
      to: "health",
      about: { kind: "lead", id: lead.body.leadId },
      reason: "请属地查处",
    });
    const id = offered.body.referralId;
    expect((await lzHealth.get(`/referrals/${id}?wait=30000`)).status).toBe(200);
    const [withdraw, accept] = await Promise.all([
      gzHealth.post(`/referrals/${id}/withdrawal`, { reason: "误报，撤回" }),
      lzHealth.post(`/referrals/${id}/acceptance`, {}),
    ]);
    // Each side answers from its own log: 200, or 409 when the other's step reached it first.
    expect([withdraw.status, accept.status].every((s) => s === 200 || s === 409)).toBe(true);
    expect(withdraw.status === 200 || accept.status === 200).toBe(true);
    // Both counties converge: one status, one history, the addressee's step winning a crossing.
    const settled = await eventually(async () => {
      const [gz, lz] = await Promise.all([
        gzHealth.get<View>(`/referrals/${id}`),
        lzHealth.get<View>(`/referrals/${id}`),
      ]);
      const ids = (v: View) => v.history.map((h) => `${h.eventId}:${h.void ?? false}`).join();
      const steps = withdraw.status === 200 && accept.status === 200 ? 3 : 2;
      return gz.body.history.length === steps &&
        lz.body.history.length === steps &&
        gz.body.status === lz.body.status &&
        ids(gz.body) === ids(lz.body)
        ? gz.body
        : undefined;
    }, 30_000);
    const effective = settled.history.filter((h) => !h.void).map((h) => h.type);
    expect(effective).toHaveLength(2);
    if (accept.status === 200) expect(settled.status).toBe("accepted");
    else expect(settled.status).toBe("withdrawn");
    outcomes.add(`${withdraw.status}/${accept.status}→${settled.status}`);
  }
  // What happened, for the record of the run (shown in the reporter).
  await annotate(`跨区撤回与接收并发：${[...outcomes].join("，")}`);

  // The crossing, made certain: with the link down each side records its own step; when it
  // returns, the addressee's log decides: accepted, the withdrawal kept but void, everywhere.
  const lead = await gzHealth.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "凉州区某诊所（断链交叉）", county: LIANGZHOU },
    summary: "断链期间双方各自操作",
  });
  const offered = await gzHealth.post<View>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "请属地查处",
  });
  const id = offered.body.referralId;
  expect((await lzHealth.get(`/referrals/${id}?wait=30000`)).status).toBe(200);
  await link.close();
  const withdrawn = await gzHealth.post<View>(`/referrals/${id}/withdrawal`, { reason: "撤回" });
  const accepted = await lzHealth.post<View>(`/referrals/${id}/acceptance`, {});
  expect([withdrawn.body.status, accepted.body.status]).toEqual(["withdrawn", "accepted"]);
  await link.open();
  for (const party of [gzHealth, lzHealth]) {
    const v = await eventually(async () => {
      const r = await party.get<View>(`/referrals/${id}`);
      return r.body.history.length === 3 ? r.body : undefined;
    }, 30_000);
    expect(v.status).toBe("accepted");
    expect(v.history.map((h) => `${h.type}${h.void ? "(void)" : ""}`)).toEqual([
      "referral.offered",
      "referral.accepted",
      "referral.withdrawn(void)",
    ]);
  }
  // And the addressee goes on from there: its next step links to its acceptance.
  const completed = await lzHealth.post<View>(`/referrals/${id}/completion`, {
    actions: "查处",
    outcome: "已处理",
  });
  expect(completed.status).toBe(200);
  expect(completed.body.status).toBe("completed");

  // The crossing is no tampering: each office's trail and each county's whole log verify.
  for (const county of [region.home, region.neighbour]) {
    const trail = await eventually(async () => {
      const t = await officerOf(county, "office").get<{
        verification: { ok: boolean; checked: number };
      }>(`/trail/referral/${id}`);
      return t.body.verification?.checked >= 4 ? t.body : undefined;
    }, 30_000);
    expect(trail.verification.ok).toBe(true);
  }
  const reports = await eventually(async () => {
    const [gz, lz] = await Promise.all([verified(region.home), verified(region.neighbour)]);
    return gz.unsealed.length === 0 && lz.unsealed.length === 0 ? { gz, lz } : undefined;
  }, 60_000);
  expect(reports.gz.findings).toEqual([]);
  expect(reports.lz.findings).toEqual([]);
  expect(
    crossCheck({ [GANZHOU]: reports.gz, [LIANGZHOU]: reports.lz }, { keys: keysOf() }).findings,
  ).toEqual([]);
}, 240_000);

it("the main command's region demo plays S5 and, played again, records nothing twice", async () => {
  const sides = [region.home, region.neighbour].map((c) => ({
    county: c.config.county,
    urls: c.urls,
    tokens: c.tokens,
  })) as [Parameters<typeof playRegionDemo>[0], Parameters<typeof playRegionDemo>[1]];
  const first = await playRegionDemo(...sides);
  expect(first.join()).toContain("S5");
  const referrals = async () =>
    (await officerOf(region.neighbour, "health").get<{ items: View[] }>("/referrals")).body.items;
  const before = await referrals();
  await playRegionDemo(...sides);
  const after = await referrals();
  expect(after.length).toBe(before.length);
  const demo = after.find((r) => r.lead?.target.name === "邻县某诊所");
  expect(demo?.status).toBe("completed");
  expect(demo?.history).toHaveLength(3);
}, 120_000);

it("a lead restricted by its originator crosses the line only with its consent; a refusal is recorded too", async () => {
  const originator = officerOf(region.home, "health");
  const ps = officerOf(region.home, "public-security");
  const lzPs = officerOf(region.neighbour, "public-security");
  type Consent = { referralId: string; status: string; originator: string; requestedBy: string };

  const restrictedLead = async (name: string) => {
    const lead = await originator.post<{ leadId: string; sharedWith: string[] }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "person", name, county: LIANGZHOU },
      summary: "群众举报，举报人要求未经同意不得转递",
      handling: ["no-forward-without-consent"],
    });
    expect(lead.body.sharedWith).toContain("public-security");
    await eventually(async () => {
      const r = await ps.get(`/inbox/${lead.body.leadId}`);
      return r.status === 200 ? true : undefined;
    });
    return lead.body.leadId;
  };
  const refer = (leadId: string) =>
    ps.post<Consent>("/referrals", {
      to: "public-security",
      about: { kind: "lead", id: leadId },
      reason: "对象在凉州区活动，请属地公安核查",
    });

  // Refused: nothing crosses, and the refusal is on the record.
  const first = await refer(await restrictedLead("某中介人员甲"));
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ status: "pending", originator: "health" });
  const id1 = first.body.referralId;
  const waiting = await eventually(async () => {
    const r = await originator.get<{ items: Consent[] }>("/consents?waiting=true");
    return r.body.items.find((c) => c.referralId === id1);
  });
  expect(waiting.requestedBy).toBe("public-security");
  const notYours = await ps.post(`/consents/${id1}/decision`, { granted: true });
  expect(notYours.status).toBe(403);
  const noReason = await originator.post<{ errors: { field: string }[] }>(
    `/consents/${id1}/decision`,
    { granted: false },
  );
  expect(noReason.status).toBe(422);
  expect(noReason.body.errors.map((e) => e.field)).toEqual(["reason"]);
  const refused = await originator.post<Consent>(`/consents/${id1}/decision`, {
    granted: false,
    reason: "举报人不同意向外县转递",
  });
  expect(refused.body.status).toBe("refused");
  await eventually(async () => {
    const r = await ps.get<{ items: Consent[] }>("/consents");
    return r.body.items.find((c) => c.referralId === id1 && c.status === "refused");
  });
  expect((await lzPs.get(`/referrals/${id1}?wait=1500`)).status).toBe(404);
  const trail = await officerOf(region.home, "office").get<{
    verification: { ok: boolean };
    steps: { type: string; agency: string; reason?: string }[];
  }>(`/trail/consent/${id1}`);
  expect(trail.body.verification.ok).toBe(true);
  expect(trail.body.steps.map((s) => `${s.type}:${s.agency}`)).toEqual([
    "consent.requested:public-security",
    "consent.refused:health",
  ]);

  // Given: the offer crosses once the answer reaches the agency that asked.
  const second = await refer(await restrictedLead("某中介人员乙"));
  const id2 = second.body.referralId;
  await eventually(async () => {
    const r = await originator.get<{ items: Consent[] }>("/consents?waiting=true");
    return r.body.items.find((c) => c.referralId === id2);
  });
  const given = await originator.post<Consent>(`/consents/${id2}/decision`, { granted: true });
  expect(given.body.status).toBe("given");
  const arrived = await lzPs.get<View>(`/referrals/${id2}?wait=30000`);
  expect(arrived.status).toBe(200);
  expect(arrived.body).toMatchObject({
    status: "offered",
    fromCounty: GANZHOU,
    from: "public-security",
  });
  const again = await originator.post(`/consents/${id2}/decision`, { granted: true });
  expect(again.status).toBe(409);
  // The originator's own restricted lead needs no one's consent.
  const own = await originator.post<View>("/referrals", {
    to: "health",
    about: { kind: "lead", id: await restrictedLead("某中介人员丙") },
    reason: "本部门线索，直接移交",
  });
  expect(own.status).toBe(201);
}, 120_000);
