import { type BusEvent, CountyConfig, MonthlyReportView } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { evolveSubmissions, monthlyReport, reportCsv, type Submissions } from "./reports.ts";
import { Statistics } from "./statistics.ts";

const COUNTY = "620702";
const ev = (type: string, agency: string, time: string, data: unknown, extra: object = {}) =>
  ({
    type,
    county: COUNTY,
    agency,
    actor: `${agency}.liaison`,
    aggregate: { kind: type.split(".")[0], id: "x" },
    time,
    data,
    ...extra,
  }) as unknown as BusEvent;
const figures = {
  leadsRegistered: 0,
  leadsReceived: 0,
  casesOpened: 1,
  casesClosed: 1,
  finesYuan: 20000,
  revocations: 1,
  judiciaryTransfers: 0,
  referralsOverdue: 0,
  inspections: 1,
  institutionsChecked: 3,
  devicesSealed: 2,
  drugsConfiscated: 0,
};

/** March in Ganzhou: health closes a case; health and drug regulation inspect together. */
function county(now: string) {
  const stats = new Statistics(COUNTY, { cases: new Map(), referrals: new Map() });
  const submissions: Submissions = new Map();
  const at = "2026-03-20T02:00:00.000Z";
  const events = [
    ev("case.opened", "health", at, {
      caseId: "c1",
      agency: "health",
      violations: ["intermediary"],
    }),
    ev("case.closed", "health", at, {
      caseId: "c1",
      sanctions: [
        { kind: "fine", amountYuan: 20000, against: "某诊所" },
        { kind: "revoke-institution-licence", against: "某诊所" },
      ],
    }),
    ...(
      [
        ["health", 3, 2, 0],
        ["drug-regulation", 5, 0, 40],
      ] as const
    ).map(([by, institutionsChecked, devicesSealed, drugsConfiscated]) =>
      ev("inspection.findings-recorded", by, at, {
        inspectionId: "i1",
        by,
        institutionsChecked,
        devicesSealed,
        drugsConfiscated,
        advertsRemoved: 0,
      }),
    ),
    // Health reports a fine the bus does not show, with a note; first on time, corrected late.
    ev("report.submitted", "health", "2026-04-09T02:00:00.000Z", {
      month: "2026-03",
      agency: "health",
      figures,
    }),
    ev(
      "report.submitted",
      "health",
      "2026-04-12T02:00:00.000Z",
      {
        month: "2026-03",
        agency: "health",
        figures: { ...figures, finesYuan: 25000 },
        note: "另有罚款5000元，系月末执行，待录入",
      },
      { actor: "health-1a2b3c4d", officer: { name: "张三", role: "liaison" } },
    ),
  ];
  for (const e of events) {
    stats.apply(e);
    evolveSubmissions(submissions, e);
  }
  const ctx = {
    county: COUNTY,
    agency: "office",
    config: CountyConfig.parse({ county: COUNTY }),
    clock: () => new Date(now),
  };
  return monthlyReport(ctx, stats, submissions, "2026-03");
}

describe("the county's monthly report", () => {
  const report = county("2026-04-12T03:00:00.000Z");

  it("is what the contract says it is", () => {
    expect(MonthlyReportView.safeParse(report).success).toBe(true);
  });

  it("states what the agency submitted, beside the bus, with the difference and the note", () => {
    const health = report.agencies.find((a) => a.agency === "health")!;
    expect(health).toMatchObject({
      status: "submitted",
      figures: { finesYuan: 25000 },
      compiled: { finesYuan: 20000 },
      differences: [{ figure: "finesYuan", reported: 25000, compiled: 20000 }],
      submitted: {
        submittedAt: "2026-04-09T02:00:00.000Z",
        correctedAt: "2026-04-12T02:00:00.000Z",
        note: "另有罚款5000元，系月末执行，待录入",
      },
    });
    expect(report.discrepant).toEqual(["health"]);
    expect(report.countyName).toBe("甘州区");
  });

  it("writes a CSV with the county's name, the due day, 合计 rows and a dash for a rate over nothing", () => {
    const csv = reportCsv(report);
    expect(csv.startsWith("\uFEFF")).toBe(true);
    const lines = csv.slice(1).split("\r\n");
    expect(lines[0]).toBe(
      "甘州区（620702）打击“两非”联合执法月报 2026-03（应于 2026-04-10 24:00 前报送）",
    );
    const cells = (l: string) => l.split(",");
    const head = cells(lines[1]!);
    const col = (name: string) => head.indexOf(name);
    const health = lines.find((l) => l.startsWith("卫生健康部门,部门报送"))!;
    expect(cells(health)[col("罚没款（元）")]).toBe("25000");
    expect(health).toContain("罚没款（元）：报送 25000，总线 20000");
    expect(health).toContain("另有罚款5000元");
    expect(
      cells(lines.find((l) => l.startsWith("卫生健康部门,总线汇总"))!)[col("罚没款（元）")],
    ).toBe("20000");
    const commerce = cells(lines.find((l) => l.startsWith("工商行政管理部门"))!);
    expect(commerce[col("查处率")]).toBe("—");
    expect(commerce[col("报送状态")]).toBe("未报送（已逾期）");
    const total = cells(lines.find((l) => l.startsWith("合计,各部门报送"))!);
    // One joint inspection of two agencies: once. Institutions, devices, drugs: each agency's.
    expect(
      ["联合检查", "检查机构", "封存B超机", "查扣药品（盒）", "罚没款（元）"].map(
        (h) => total[col(h)],
      ),
    ).toEqual(["1", "8", "2", "40", "25000"]);
    expect(total[col("查处率")]).toBe("100.0%");
    expect(cells(lines.find((l) => l.startsWith("合计,总线汇总"))!)[col("罚没款（元）")]).toBe(
      "20000",
    );
    expect(csv).not.toContain("NaN");
  });

  it("signs the report with who submitted each agency's figures standing now (经办人)", () => {
    const lines = reportCsv(report, (a) => (a === "health" ? "卫健" : undefined)).split("\r\n");
    const signed = lines.find((l) => l.startsWith("报送人（经办人）签名"))!.split(",");
    expect(signed.slice(1)).toEqual(["卫生健康部门：张三（卫健联络员） 2026-04-12 10:00"]);
  });

  it("flags who has not reported once the report is due, and no one before", () => {
    expect(report.flagged.sort()).toEqual(
      ["commerce", "drug-regulation", "family-planning", "public-security"].sort(),
    );
    expect(county("2026-04-10T15:59:59.000Z").flagged).toEqual([]);
  });
});
