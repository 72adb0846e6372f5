// 上下联动 end to end: a city's bus (its own nats-server, JetStream domain, identities and office)
// and two of its counties (each its own bus), linked up with leaf connections the project's
// configuration code generates. A county's monthly report rolls up to the city; a major case is
// reported at once, facts only, chased until the city acknowledges it, and the county sees it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CityReportView, monthOf, previousMonth, STREAMS } from "@liandong/contracts";
import { connectBus, crossCheck, LogVerifier, readPresent } from "@liandong/runtime";
import type { Browser } from "playwright-core";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { type RunningCity, startCity } from "../services/county/src/city.ts";
import { launchChromium } from "./support/browser.ts";
import { eventually, officerOf, ROOT } from "./support/county.ts";
import { natsServerBinary } from "./support/nats-server.ts";

const CITY = "620700";
const GANZHOU = "620702";
const MINLE = "620722";
const AGENCIES = [
  { code: "health", name: "卫生健康部门", shortName: "卫健" },
  { code: "family-planning", name: "人口和计划生育部门", shortName: "计生" },
  { code: "office", name: "领导小组办公室", shortName: "领导小组办公室", role: "office" },
];
const county = (code: string) => ({
  county: code,
  agencies: AGENCIES,
  overdueCheckSeconds: 0.5,
  city: { code: CITY, chaseAfterSeconds: 3 },
});

let stateDir: string;
let majorCaseId: string;
let city: RunningCity;
const thisMonth = monthOf(new Date().toISOString());
const longAgo = previousMonth(previousMonth(thisMonth));

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "liandong-city-"));
  city = await startCity({
    root: ROOT,
    stateDir,
    city: CITY,
    counties: [county(GANZHOU), county(MINLE)],
    natsServer: natsServerBinary(),
    ports: "free",
    clockFile: join(stateDir, "clock-offset-ms"),
  });
}, 180_000);

afterAll(async () => {
  await city?.stop();
  if (!process.env.LIANDONG_KEEP_TEST_STATE) rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

const at = (code: string, agency: string) =>
  officerOf(code === CITY ? city.city : city.counties[code]!, agency);
const cityOffice = () => at(CITY, "city-office");

async function lead(code: string, body: Record<string, unknown> = {}) {
  const r = await at(code, "health").post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: "某私人诊所", county: code },
    summary: "病历显示该诊所未经批准实施引产",
    ...body,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.leadId;
}

describe("the monthly report rolls up (汇总上报)", () => {
  it("a county's office closes its report; the city's shows every county, 合计 and the late, in JSON and CSV", async () => {
    await lead(GANZHOU);
    await lead(MINLE);
    await lead(MINLE);
    // The county's office has folded its agencies' leads before it closes.
    for (const [code, n] of [
      [GANZHOU, 1],
      [MINLE, 2],
    ] as const)
      await eventually(async () => {
        const r = await at(code, "office").get<{ total: { figures: { leadsRegistered: number } } }>(
          `/reports/${thisMonth}.json`,
        );
        return r.body.total?.figures.leadsRegistered === n ? true : undefined;
      }, 20_000);
    for (const code of [GANZHOU, MINLE]) {
      const r = await at(code, "office").post(`/reports/${thisMonth}/close`, {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ city: CITY, status: "closed" });
    }
    // Minle sends up a month long past: late; Ganzhou never did: missing.
    expect((await at(MINLE, "office").post(`/reports/${longAgo}/close`, {})).status).toBe(200);
    // An agency cannot close the county's report.
    expect((await at(GANZHOU, "health").post(`/reports/${thisMonth}/close`, {})).status).toBe(404);

    const report = await eventually(async () => {
      const r = await cityOffice().get<CityReportView>(`/city/reports/${thisMonth}.json`);
      return r.body.counties?.every((c) => c.closedAt) ? r.body : undefined;
    }, 60_000);
    expect(report.counties.map((c) => [c.county, c.status, c.figures.leadsRegistered])).toEqual([
      [GANZHOU, "submitted", 1],
      [MINLE, "submitted", 2],
    ]);
    expect(report.total.leadsRegistered).toBe(3);
    expect(report.late).toEqual([]);
    const past = await eventually(async () => {
      const r = await cityOffice().get<CityReportView>(`/city/reports/${longAgo}.json`);
      return r.body.counties?.some((c) => c.closedAt) ? r.body : undefined;
    }, 60_000);
    expect(past.counties.map((c) => c.status)).toEqual(["missing", "late"]);
    expect(past.late).toEqual([GANZHOU, MINLE]);

    const csv = await request(`${cityOffice().url}/city/reports/${thisMonth}.csv`, {
      headers: { authorization: `Bearer ${cityOffice().token}` },
    });
    expect(String(csv.headers["content-type"])).toContain("text/csv");
    const bytes = Buffer.from(await csv.body.arrayBuffer());
    // The byte-order mark first (text decoders drop it, so look at the bytes).
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString("utf8");
    expect(text).toContain("甘州区");
    expect(text).toContain("民乐县");
    expect(text.split("\r\n").find((l) => l.startsWith("合计"))).toContain(",3,");
    // The city's bus holds what was sent up, and nothing else of the counties: no lead.
    const nc = await connectBus({
      servers: city.city.natsUrl,
      agency: "admin",
      seedFile: join(stateDir, CITY, "secrets", "admin.nk"),
    });
    try {
      const kinds = new Set<string>();
      for await (const e of readPresent(nc, STREAMS.events, { namePrefix: "test" }))
        if (!e.subject.startsWith(`ld.ev.${CITY}.`)) kinds.add(e.subject.split(".")[4]!);
      expect([...kinds].filter((k) => k !== "audit" && k !== "witness").sort()).toEqual(["report"]);
    } finally {
      await nc.close();
    }
  }, 180_000);
});

describe("a major case is reported at once (重大案件及时通报)", () => {
  const informant = { name: "李某某", phone: "13912345678", rewardEligible: true };
  it("reaches the city with its facts and no informant, is chased until acknowledged, and the county sees the acknowledgement", async () => {
    const tip = await at(GANZHOU, "family-planning").post<{ leadId: string }>("/leads", {
      source: "public-tip",
      violations: ["illegal-sex-determination"],
      target: { kind: "person", name: "某镇个体医生", county: GANZHOU },
      summary: "群众举报：在家中用私购B超做胎儿性别鉴定",
      informant,
    });
    expect(tip.status).toBe(201);
    const health = at(GANZHOU, "health");
    await eventually(async () => {
      const r = await health.get<{ items: { leadId: string }[] }>("/inbox");
      return r.body.items?.some((i) => i.leadId === tip.body.leadId) ? true : undefined;
    }, 20_000);
    const opened = await health.post<{ caseId: string }>("/cases", {
      title: "某镇个体医生非法鉴定胎儿性别案",
      leads: [tip.body.leadId],
      violations: ["illegal-sex-determination"],
      target: { kind: "person", name: "某镇个体医生", county: GANZHOU },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const caseId = opened.body.caseId;
    majorCaseId = caseId;
    const closed = await health.post(`/cases/${caseId}/closure`, {
      summary: "经查属实，依法移送",
      sanctions: [{ kind: "transfer-to-judiciary", against: "某镇个体医生" }],
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const marked = Date.now();

    type Major = {
      facts: { caseId: string; grounds: string[]; county: string };
      acknowledged: boolean;
      chases: number;
    };
    const reported = await eventually(async () => {
      const r = await cityOffice().get<{ items: Major[] }>("/major-cases");
      return r.body.items?.find((m) => m.facts.caseId === caseId);
    }, 60_000);
    expect(Date.now() - marked).toBeLessThan(60_000);
    expect(reported.facts).toMatchObject({ county: GANZHOU, grounds: ["transfer-to-judiciary"] });
    expect(reported.acknowledged).toBe(false);

    // Nothing on the city's bus names the informant, nor the lead that carries its reference.
    const nc = await connectBus({
      servers: city.city.natsUrl,
      agency: "admin",
      seedFile: join(stateDir, CITY, "secrets", "admin.nk"),
    });
    try {
      for await (const e of readPresent(nc, STREAMS.events, { namePrefix: "test" })) {
        const text = new TextDecoder().decode(e.bytes);
        for (const secret of [informant.name, informant.phone, "inf_", tip.body.leadId])
          expect(text).not.toContain(secret);
      }
    } finally {
      await nc.close();
    }

    // Unacknowledged: the county's office chases it, and the city sees the chase.
    await eventually(async () => {
      const r = await cityOffice().get<{ items: Major[] }>("/major-cases");
      return (r.body.items?.find((m) => m.facts.caseId === caseId)?.chases ?? 0) >= 1
        ? true
        : undefined;
    }, 30_000);
    // Only the city's office acknowledges; then the county sees it, and chasing stops.
    const ack = await cityOffice().post(`/major-cases/${GANZHOU}/${caseId}/acknowledge`, {
      note: "已收悉，请依法办理并及时报告进展",
    });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    // Acknowledged once: asked again, the same acknowledgement.
    const again = await cityOffice().post(`/major-cases/${GANZHOU}/${caseId}/acknowledge`, {});
    expect(again.body.acknowledgedAt).toBe(ack.body.acknowledgedAt);
    // A county's office cannot acknowledge for the city, nor can an agency.
    expect(
      (await at(GANZHOU, "office").post(`/major-cases/${GANZHOU}/${caseId}/acknowledge`, {}))
        .status,
    ).toBe(404);
    const seen = await eventually(async () => {
      const r = await at(GANZHOU, "office").get<{
        items: (Major & { acknowledgeNote?: string })[];
      }>("/major-cases");
      const m = r.body.items?.find((x) => x.facts.caseId === caseId);
      return m?.acknowledged ? m : undefined;
    }, 60_000);
    expect(seen.acknowledgeNote).toBe("已收悉，请依法办理并及时报告进展");
    const chases = seen.chases;
    await new Promise((r) => setTimeout(r, 4000));
    const after = await at(GANZHOU, "office").get<{ items: Major[] }>("/major-cases");
    expect(after.body.items.find((x) => x.facts.caseId === caseId)?.chases).toBe(chases);
  }, 180_000);
});

describe("the city supervises down (督办)", () => {
  type Order = { orderId: string; status: string; level: number; answer?: string; by?: string };
  const orderAt = async (code: string, agency: string, path: string, orderId: string) =>
    eventually(async () => {
      const r = await at(code, agency).get<{ items: Order[] }>(path);
      return r.body.items?.find((o) => o.orderId === orderId);
    }, 60_000);

  it("an order reaches the county's office, is answered there, and the answer is on the city's record", async () => {
    const issued = await cityOffice().post<Order>("/orders", {
      county: GANZHOU,
      caseId: majorCaseId,
      reason: "请于三日内报告该案移送司法机关的进展",
      answerWithinDays: 3,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const orderId = issued.body.orderId;
    // Only about a major case the county reported.
    expect(
      (
        await cityOffice().post("/orders", {
          county: MINLE,
          caseId: majorCaseId,
          reason: "x",
        })
      ).status,
    ).toBe(404);
    const down = await orderAt(GANZHOU, "office", "/supervision", orderId);
    expect(down).toMatchObject({ status: "open", by: "city-office", to: "office" });
    // Minle's office never sees it; Ganzhou's office answers it.
    expect(
      (await at(MINLE, "office").get<{ items: Order[] }>("/supervision")).body.items.some(
        (o) => o.orderId === orderId,
      ),
    ).toBe(false);
    const answered = await at(GANZHOU, "office").post<Order>(`/supervision/${orderId}/answer`, {
      answer: "已移送县公安局，已立案侦查",
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    const up = await eventually(async () => {
      const o = await orderAt(CITY, "city-office", "/orders", orderId);
      return o.status === "answered" ? o : undefined;
    }, 60_000);
    expect(up.answer).toBe("已移送县公安局，已立案侦查");
  }, 180_000);

  it("an order left unanswered past its deadline is escalated by the city, and the county sees it", async () => {
    const issued = await cityOffice().post<Order>("/orders", {
      county: GANZHOU,
      caseId: majorCaseId,
      reason: "请于一日内报告查处情况",
      answerWithinDays: 1,
    });
    expect(issued.status).toBe(201);
    await orderAt(GANZHOU, "office", "/supervision", issued.body.orderId);
    writeFileSync(join(stateDir, "clock-offset-ms"), String(2 * 86_400_000));
    const escalated = await eventually(async () => {
      const o = await orderAt(GANZHOU, "office", "/supervision", issued.body.orderId);
      return o.status === "escalated" ? o : undefined;
    }, 60_000);
    expect(escalated.level).toBe(2);
    writeFileSync(join(stateDir, "clock-offset-ms"), "0");
  }, 180_000);

  it("an order passed on by the county's office to the agency whose case it is (转督办): the agency answers, the answer goes up to the city", async () => {
    const issued = await cityOffice().post<Order>("/orders", {
      county: GANZHOU,
      caseId: majorCaseId,
      reason: "请报告该案移送后的侦办进展",
      answerWithinDays: 3,
    });
    expect(issued.status).toBe(201);
    const orderId = issued.body.orderId;
    await orderAt(GANZHOU, "office", "/supervision", orderId);
    // Only the county's office passes it on, by the city's deadline at the latest.
    expect((await at(GANZHOU, "health").post(`/supervision/${orderId}/forward`, {})).status).toBe(
      404,
    );
    const late = await at(GANZHOU, "office").post<{ errors: { field: string }[] }>(
      `/supervision/${orderId}/forward`,
      { answerWithinDays: 5 },
    );
    expect(late.status).toBe(422);
    expect(late.body.errors.map((e) => e.field)).toEqual(["answerWithinDays"]);
    const passed = await at(GANZHOU, "office").post<Order & { forwards?: string }>(
      `/supervision/${orderId}/forward`,
      { reason: "请县卫健局于两日内报告侦办进展", answerWithinDays: 2 },
    );
    expect(passed.status, JSON.stringify(passed.body)).toBe(201);
    expect(passed.body).toMatchObject({ to: "health", forwards: orderId, status: "open" });
    const again = await at(GANZHOU, "office").post<Order>(`/supervision/${orderId}/forward`, {});
    expect(again.status).toBe(200);
    expect(again.body.orderId).toBe(passed.body.orderId);
    // The agency sees it and answers it; the answer goes up as the office's answer to the city.
    await orderAt(GANZHOU, "health", "/supervision", passed.body.orderId);
    const answered = await at(GANZHOU, "health").post<Order>(
      `/supervision/${passed.body.orderId}/answer`,
      { answer: "公安机关已立案侦查，嫌疑人已到案" },
    );
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    const up = await eventually(async () => {
      const o = await orderAt(CITY, "city-office", "/orders", orderId);
      return o.status === "answered" ? o : undefined;
    }, 60_000);
    expect(up.answer).toContain("公安机关已立案侦查，嫌疑人已到案");
    expect(up.answer).toContain("卫健");
    // On the county's record both: the city's order answered, the agency's answered.
    const county = await at(GANZHOU, "office").get<{ items: Order[] }>("/supervision");
    const mine = (id: string) => county.body.items.find((o) => o.orderId === id);
    expect(mine(orderId)).toMatchObject({ status: "answered", answer: up.answer });
    expect(mine(passed.body.orderId)).toMatchObject({
      status: "answered",
      answer: "公安机关已立案侦查，嫌疑人已到案",
    });

    // Verifiable: each log with its own keys, once every step is sealed, and what each holds of
    // the other found among what the other sealed as sent.
    const keysOf = (code: string) => {
      const bus = code === CITY ? city.city : city.counties[code]!;
      return (
        JSON.parse(readFileSync(bus.keysFile, "utf8")) as { agencies: Record<string, string> }
      ).agencies;
    };
    const verified = async (code: string) => {
      const bus = code === CITY ? city.city : city.counties[code]!;
      const keys = { agencies: keysOf(code) };
      const nc = await connectBus({
        servers: bus.natsUrl,
        agency: "admin",
        seedFile: join(stateDir, code, "secrets", "admin.nk"),
      });
      try {
        const v = new LogVerifier({ keys: keys.agencies, county: code });
        for await (const e of readStream(nc, STREAMS.events)) v.add(e);
        return v.finish();
      } finally {
        await nc.close();
      }
    };
    // Read one after the other while the buses still carry steps (a chase, an overdue check), the
    // two logs are not one cut: what one holds of the other may have been sent after the other
    // was read, and is pending (sealed by its sender), not a finding. Read again until both are
    // sealed; the last reading is what is judged.
    type Reading = {
      gz: Awaited<ReturnType<typeof verified>>;
      cy: Awaited<ReturnType<typeof verified>>;
      across: ReturnType<typeof crossCheck>;
    };
    let last: Reading | undefined;
    const reports = await eventually(async () => {
      const [gz, cy] = await Promise.all([verified(GANZHOU), verified(CITY)]);
      if (gz.unsealed.length > 0 || cy.unsealed.length > 0) return undefined;
      last = {
        gz,
        cy,
        across: crossCheck(
          { [GANZHOU]: gz, [CITY]: cy },
          { keys: { [GANZHOU]: keysOf(GANZHOU), [CITY]: keysOf(CITY) } },
        ),
      };
      return last;
    }, 60_000).catch(() => last);
    if (!reports) throw new Error("the two logs were never both sealed");
    expect(reports.gz.findings).toEqual([]);
    expect(reports.cy.findings).toEqual([]);
    expect(reports.across.findings).toEqual([]);
    // The city's order on Ganzhou's log, the office's answer on the city's.
    expect(reports.gz.foreign.some((e) => e.agency === "city-office")).toBe(true);
    expect(reports.cy.foreign.some((e) => e.county === GANZHOU && e.agency === "office")).toBe(
      true,
    );
  }, 180_000);

  it("an order passed on and left unanswered is escalated by the county's office, and the city's by the city", async () => {
    const issued = await cityOffice().post<Order>("/orders", {
      county: GANZHOU,
      caseId: majorCaseId,
      reason: "请于一日内报告",
      answerWithinDays: 1,
    });
    const orderId = issued.body.orderId;
    await orderAt(GANZHOU, "office", "/supervision", orderId);
    const passed = await at(GANZHOU, "office").post<Order>(`/supervision/${orderId}/forward`, {});
    expect(passed.status, JSON.stringify(passed.body)).toBe(201);
    // The services' clock never runs backwards: it stands two days on since the test before.
    writeFileSync(join(stateDir, "clock-offset-ms"), String(5 * 86_400_000));
    try {
      const child = await eventually(async () => {
        const o = await orderAt(GANZHOU, "health", "/supervision", passed.body.orderId);
        return o.status === "escalated" ? o : undefined;
      }, 60_000);
      expect(child.level).toBe(2);
      const parent = await eventually(async () => {
        const o = await orderAt(CITY, "city-office", "/orders", orderId);
        return o.status === "escalated" ? o : undefined;
      }, 60_000);
      expect(parent.level).toBe(2);
    } finally {
      writeFileSync(join(stateDir, "clock-offset-ms"), "0");
    }
  }, 180_000);
});

describe("the city's page (市级工作台)", () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it("shows an officer the counties by name with 合计, the major cases and orders in Chinese, on a phone too", async () => {
    browser = await launchChromium();
    // A phone's screen: the page must not run off its right edge (wide tables scroll in place).
    const context = await browser.newContext({
      locale: "zh-CN",
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    await page.goto(`${cityOffice().url}/`);
    // A wrong token: said in Chinese on the page, nothing shown.
    await page.locator("#token").fill("not-a-token");
    await page.locator("#month").fill(thisMonth);
    await page.locator("#load").click();
    await expect.poll(() => page.locator("#error").textContent()).toMatch(/\p{Script=Han}/u);
    expect(await page.getByTestId("report").locator("tr").count()).toBe(0);

    await page.locator("#token").fill(cityOffice().token);
    await page.locator("#load").click();
    const report = page.getByTestId("report");
    await expect.poll(() => report.locator("tr").count()).toBe(4);
    const rows = await report.locator("tr").allTextContents();
    expect(rows[1]).toContain("甘州区");
    expect(rows[2]).toContain("民乐县");
    expect(rows[3]).toMatch(/^合计/);
    expect(await page.locator("#late").textContent()).toBe("各县均已按时上报");
    expect(await page.locator("#error").textContent()).toBe("");

    // The major case and the orders of the tests above: names and labels, never identifiers.
    const cases = await page.getByTestId("cases").locator("td").allTextContents();
    expect(cases).toContain("甘州区");
    expect(cases.join(" ")).toContain("移送司法机关");
    const orders = await page.getByTestId("orders").locator("td").allTextContents();
    expect(orders).toContain("甘州区");
    expect(orders.some((t) => t.startsWith("已答复"))).toBe(true);
    for (const text of [...rows, ...cases, ...orders])
      expect(text, "an identifier shown to a person").not.toMatch(/\b[a-z]+-[a-z]+\b|\b62\d{4}\b/);

    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, "the page runs off a phone's screen").toBeLessThanOrEqual(0);
  }, 120_000);
});
