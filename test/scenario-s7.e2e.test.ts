// S7 — the monthly report (月报): each agency's figures compiled from the bus, pre-filled for
// the agency by the same fold, submitted (and corrected) by it; the office's report states what
// each agency submitted beside the bus's figures, every difference flagged with the agency's
// note, a joint inspection once in the total, flags who has not reported, and downloads as a CSV
// a spreadsheet opens (UTF-8 with BOM, Chinese headers, the county's name, 合计 rows) and as JSON.
import { type MonthlyReportView, monthOf, nextMonth } from "@liandong/contracts";
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

type Figures = Record<string, number>;
type Report = MonthlyReportView;

let county: TestCounty;
const month = monthOf(new Date().toISOString());

beforeAll(async () => {
  county = await startTestCounty();
  const health = county.as("health");
  const leads: string[] = [];
  for (const name of ["某镇卫生院", "某民营医院"]) {
    const r = await health.post<{ leadId: string }>("/leads", {
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name, county: "441723" },
      summary: "病历档案核查发现异常引产记录",
    });
    leads.push(r.body.leadId);
  }
  const opened = await health.post<{ caseId: string }>("/cases", {
    title: "某镇卫生院非医学需要引产案",
    leads: [leads[0]],
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: "某镇卫生院", county: "441723" },
  });
  expect(opened.status).toBe(201);
  const closed = await health.post(`/cases/${opened.body.caseId}/closure`, {
    summary: "查实并处罚",
    sanctions: [
      { kind: "fine", amountYuan: 20000, against: "某镇卫生院" },
      { kind: "revoke-institution-licence", against: "某镇卫生院" },
    ],
  });
  expect(closed.status).toBe(200);

  // A joint inspection: health and drug regulation find, seal and confiscate.
  const office = county.as("office");
  const planned = await office.post<{ inspectionId: string }>("/inspections", {
    title: "城区B超与药店联合检查",
    agencies: ["health", "drug-regulation"],
    targets: [{ kind: "institution", name: "城区某诊所", county: "441723" }],
    startsOn: "2026-11-03",
    endsOn: "2026-11-05",
  });
  expect(planned.status).toBe(201);
  const inspectionId = planned.body.inspectionId;
  const findings = {
    health: {
      institutionsChecked: 3,
      devicesSealed: 2,
      drugsConfiscated: 0,
      advertsRemoved: 1,
      problems: ["未登记B超机两台"],
      leads: [leads[1]],
    },
    "drug-regulation": {
      institutionsChecked: 5,
      devicesSealed: 0,
      drugsConfiscated: 40,
      advertsRemoved: 0,
    },
  };
  for (const [agency, f] of Object.entries(findings)) {
    const desk = county.as(agency);
    await eventually(async () => {
      const r = await desk.get<{ items: { inspectionId: string }[] }>("/inspections");
      return r.body.items.some((i) => i.inspectionId === inspectionId) ? r : undefined;
    });
    const recorded = await desk.post(`/inspections/${inspectionId}/findings`, f);
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
  }
  // Not a participant: no such inspection on its desk.
  const outsider = await county
    .as("commerce")
    .post(`/inspections/${inspectionId}/findings`, findings.health);
  expect(outsider.status).toBe(404);
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

it("compiles the month from the bus, pre-fills each agency's report, and flags who has not reported", async () => {
  const office = county.as("office");
  const expected = {
    leadsRegistered: 2,
    casesOpened: 1,
    casesClosed: 1,
    finesYuan: 20000,
    revocations: 1,
    judiciaryTransfers: 0,
  };
  const inspected = { inspections: 1, institutionsChecked: 3, devicesSealed: 2 };
  const stats = await eventually(async () => {
    const r = await office.get<{ rows: { agency: string; violation: string; figures: Figures }[] }>(
      `/statistics?month=${month}`,
    );
    const h = r.body.rows.find((x) => x.agency === "health" && x.violation === "all");
    const d = r.body.rows.find((x) => x.agency === "drug-regulation" && x.violation === "all");
    return h?.figures.casesClosed === 1 &&
      h.figures.inspections === 1 &&
      d?.figures.inspections === 1
      ? r.body
      : undefined;
  });
  const health = stats.rows.find((x) => x.agency === "health" && x.violation === "all")!;
  expect(health.figures).toMatchObject({ ...expected, ...inspected });
  expect(
    stats.rows.find((x) => x.agency === "drug-regulation" && x.violation === "all")!.figures,
  ).toMatchObject({ inspections: 1, institutionsChecked: 5, drugsConfiscated: 40 });
  expect(
    stats.rows.find((x) => x.agency === "health" && x.violation === "sex-selective-termination")!
      .figures,
  ).toMatchObject(expected);
  // record-audit leads are shared with public security and family planning.
  expect(
    stats.rows.find((x) => x.agency === "public-security" && x.violation === "all")!.figures
      .leadsReceived,
  ).toBe(2);

  // The agency's own report, pre-filled by the fold the office makes, from the events it saw.
  const own = await county
    .as("health")
    .get<{ prefilled: Figures; dueBy: string; open: boolean; status: string }>(`/reports/${month}`);
  expect(own.body.prefilled).toEqual(health.figures);
  expect(own.body).toMatchObject({ open: true, status: "pending" });
  // Due by the end of the 10th of the next month, China's time: before the 11th at 00:00 +08:00.
  expect(own.body.dueBy).toBe(new Date(`${nextMonth(month)}-11T00:00:00+08:00`).toISOString());
  // Drug regulation's pre-filled findings are its own; the inspection is one in the county's total.
  const drugs = await county.as("drug-regulation").get<{ prefilled: Figures }>(`/reports/${month}`);
  expect(drugs.body.prefilled).toMatchObject({ inspections: 1, drugsConfiscated: 40 });
  // Health reports a fine the bus does not show yet, and says why.
  const note = "另有罚款5000元系月末执行，尚未录入";
  const reported = { ...own.body.prefilled, finesYuan: 25000 };
  const submitted = await county
    .as("health")
    .post<{ submittedAt: string; correctedAt?: string }>(`/reports/${month}/submission`, {
      figures: reported,
      note,
    });
  expect(submitted.status).toBe(201);
  // The same report again records nothing.
  const again = await county
    .as("health")
    .post<{ submittedAt: string; correctedAt?: string }>(`/reports/${month}/submission`, {
      figures: reported,
      note,
    });
  expect(again.status).toBe(200);
  expect(again.body.submittedAt).toBe(submitted.body.submittedAt);
  expect(again.body.correctedAt).toBeUndefined();
  const badFigures = await county
    .as("health")
    .post(`/reports/${month}/submission`, { figures: { ...own.body.prefilled, finesYuan: -1 } });
  expect(badFigures.status).toBe(422);
  expect(JSON.stringify(badFigures.body)).toContain("finesYuan");
  // A month that has not begun cannot be reported on.
  const early = await county
    .as("health")
    .post(`/reports/${nextMonth(month)}/submission`, { figures: own.body.prefilled });
  expect(early.status).toBe(422);
  expect(JSON.stringify(early.body)).toContain('"field":"month"');

  const report = await eventually(async () => {
    const r = await office.get<Report>(`/reports/${month}.json`);
    return r.body.agencies?.find((a) => a.agency === "health")?.status === "submitted"
      ? r.body
      : undefined;
  });
  expect(report.dueBy).toBe(own.body.dueBy);
  expect(report.countyName).toBe("阳东县");
  // What health submitted is what the office reports, beside the bus, the difference and note shown.
  expect(report.agencies.find((a) => a.agency === "health")).toMatchObject({
    source: "submitted",
    figures: reported,
    compiled: health.figures,
    closureRate: 1,
    differences: [{ figure: "finesYuan", reported: 25000, compiled: 20000 }],
    submitted: { note },
  });
  expect(report.discrepant).toEqual(["health"]);
  const commerce = report.agencies.find((a) => a.agency === "commerce")!;
  expect(commerce).toMatchObject({ status: "pending", source: "compiled", closureRate: null });
  expect(report.flagged).toEqual([]);
  expect(report.agencies.some((a) => a.agency === "office")).toBe(false);
  // Two agencies took part in one joint inspection: one in the total.
  expect(report.total.figures).toMatchObject({
    inspections: 1,
    institutionsChecked: 8,
    devicesSealed: 2,
    drugsConfiscated: 40,
    finesYuan: 25000,
  });
  expect(report.total.compiled.finesYuan).toBe(20000);

  // A month long past: every agency's report is missing, and flagged.
  const old = await office.get<Report>("/reports/2020-01.json");
  expect(old.body.flagged.sort()).toEqual(
    ["commerce", "drug-regulation", "family-planning", "health", "public-security"].sort(),
  );

  // The CSV a clerk opens in a spreadsheet.
  const csv = await request(`${office.url}/reports/${month}.csv`, {
    headers: { authorization: `Bearer ${office.token}` },
  });
  expect(csv.statusCode).toBe(200);
  expect(String(csv.headers["content-type"])).toContain("text/csv");
  const bytes = Buffer.from(await csv.body.arrayBuffer());
  // The byte-order mark first (text decoders drop it, so look at the bytes).
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString("utf8").split("\r\n");
  expect(lines[0]).toBe(
    `阳东县（441723）打击“两非”联合执法月报 ${month}（应于 ${nextMonth(month)}-10 24:00 前报送）`,
  );
  expect(lines[1]).toBe(
    "部门,数据来源,登记线索,接收线索,立案,结案,罚没款（元）,吊销证照,移送司法机关,逾期移交,联合检查,检查机构,封存B超机,查扣药品（盒）,查处率,报送状态,报送时间,与总线汇总不一致,备注",
  );
  const head = lines[1]!.split(",");
  const cells = (prefix: string) => lines.find((l) => l.startsWith(prefix))!.split(",");
  const col = (name: string) => head.indexOf(name);
  const healthRow = cells("卫生健康部门,部门报送");
  expect(healthRow.slice(col("登记线索"), col("罚没款（元）") + 1)).toEqual([
    "2",
    "0",
    "1",
    "1",
    "25000",
  ]);
  expect(healthRow[col("报送状态")]).toBe("已按时报送");
  expect(healthRow[col("与总线汇总不一致")]).toBe("罚没款（元）：报送 25000，总线 20000");
  expect(healthRow[col("备注")]).toBe(note);
  expect(cells("卫生健康部门,总线汇总")[col("罚没款（元）")]).toBe("20000");
  expect(cells("工商行政管理部门")[col("查处率")]).toBe("—");
  const total = cells("合计,各部门报送");
  expect(total.slice(col("联合检查"), col("查扣药品（盒）") + 1)).toEqual(["1", "8", "2", "40"]);
  expect(cells("合计,总线汇总")[col("罚没款（元）")]).toBe("20000");
  expect(bytes.toString("utf8")).not.toContain("NaN");

  // The office follows each participant's findings.
  const insp = await office.get<{
    items: { findings: Record<string, { devicesSealed: number }> }[];
  }>("/inspections");
  expect(insp.body.items[0]!.findings.health!.devicesSealed).toBe(2);
  expect(Object.keys(insp.body.items[0]!.findings).sort()).toEqual(["drug-regulation", "health"]);

  // Only the office's officers; a malformed month is not found.
  expect((await county.as("health").raw(`/reports/${month}.csv`, { method: "GET" })).status).toBe(
    404,
  );
  expect((await office.raw("/reports/2026-13.json", { method: "GET" })).status).toBe(404);
  expect((await office.get("/statistics?month=soon")).status).toBe(422);
});
