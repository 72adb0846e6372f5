import type { MonthlyFigures } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, isRefusal, refusalMessage } from "../decider.ts";
import { addFact, initialFigures, NO_FIGURES } from "./figures.ts";
import {
  decide,
  evolve,
  type ReportCommand,
  type ReportEvent,
  type ReportState,
  reportDecider,
  reportStatus,
} from "./report.ts";
import { agencyReportView, monthlyReportView } from "./view.ts";

const figures = (over: Partial<MonthlyFigures> = {}): MonthlyFigures => ({
  ...NO_FIGURES,
  ...over,
});
const submit = (over: Partial<ReportCommand> = {}): ReportCommand => ({
  type: "submit",
  month: "2026-03",
  officer: { id: "health.liaison", agency: "health" },
  agency: "health",
  figures: figures({ casesOpened: 2, casesClosed: 1 }),
  now: new Date("2026-04-05T02:00:00Z"),
  ...over,
});
/** Decides on `state` and folds what was decided: the state after the command. */
const run = (state: ReportState, cmd: ReportCommand) => {
  const out = decide(cmd, state);
  if (isRefusal(out)) throw new Error(refusalMessage(out));
  return { events: out, state: out.reduce(evolve, state) };
};

describe("the monthly report's decider", () => {
  const none = reportDecider.initialState();

  it("lets an agency's officer submit the agency's report once the month has begun", () => {
    const { events, state } = run(none, submit({ note: "  无补充 " }));
    expect(events).toEqual([
      {
        type: "report.submitted",
        time: "2026-04-05T02:00:00.000Z",
        actor: "health.liaison",
        agency: "health",
        data: { month: "2026-03", agency: "health", figures: submit().figures, note: "无补充" },
      },
    ]);
    expect(state).toMatchObject({
      status: "submitted",
      submittedAt: "2026-04-05T02:00:00.000Z",
      submittedBy: "health.liaison",
      note: "无补充",
    });
    // The month in progress may be reported on (it has begun).
    expect(isRefusal(decide(submit({ month: "2026-04" }), none))).toBe(false);
  });

  it("refuses another agency's report, the office's, and a month that has not begun", () => {
    expect(decide(submit({ agency: "commerce" }), none)).toMatchObject({ refused: "forbidden" });
    expect(
      decide(submit({ agency: "office", officer: { id: "of.wang", agency: "office" } }), none),
    ).toMatchObject({ refused: "forbidden" });
    // 1 May 00:00 in China is 30 April 16:00 UTC: a second before, May has not begun.
    expect(
      decide(submit({ month: "2026-05", now: new Date("2026-04-30T15:59:59Z") }), none),
    ).toMatchObject({ refused: "invalid", field: "month" });
    expect(
      isRefusal(decide(submit({ month: "2026-05", now: new Date("2026-04-30T16:00:00Z") }), none)),
    ).toBe(false);
  });

  it("keeps the first submission's time for timeliness, records a correction, and nothing for the same report again", () => {
    const first = run(none, submit()).state;
    const again = decide(submit({ now: new Date("2026-04-20T00:00:00Z") }), first);
    expect(again).toEqual([]);
    const corrected = run(
      first,
      submit({
        figures: figures({ casesOpened: 2, casesClosed: 2 }),
        now: new Date("2026-04-20T00:00:00Z"),
        officer: { id: "health.supervisor", agency: "health" },
      }),
    ).state;
    expect(corrected).toMatchObject({
      submittedAt: "2026-04-05T02:00:00.000Z",
      correctedAt: "2026-04-20T00:00:00.000Z",
      submittedBy: "health.supervisor",
      figures: { casesClosed: 2 },
    });
    expect(reportStatus(corrected, "2026-03", new Date("2026-05-01T00:00:00Z"))).toBe("submitted");
  });

  it("folds only the agency's own submission of its own report", () => {
    const e = (agency: string, data: Partial<ReportEvent["data"]> = {}): ReportEvent => ({
      type: "report.submitted",
      time: "2026-04-05T00:00:00Z",
      actor: `${agency}.liaison`,
      agency,
      data: { month: "2026-03", agency: "health", figures: figures(), ...data },
    });
    expect(fold(reportDecider, [e("commerce")])).toEqual(none);
    const own = fold(reportDecider, [e("health")]);
    expect(evolve(own, e("health", { month: "2026-04" }))).toBe(own);
    // Delivered again: folded once.
    expect(evolve(own, e("health"))).toBe(own);
  });

  it("leaves the state as it was when a command is refused", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("health", "commerce", "office"),
        fc.integer({
          min: Date.parse("2026-02-15T00:00:00Z"),
          max: Date.parse("2026-05-15T00:00:00Z"),
        }),
        fc.boolean(),
        (agency, now, before) => {
          const state = before ? run(none, submit()).state : none;
          const copy = structuredClone(state);
          const out = decide(submit({ agency, month: "2026-04", now: new Date(now) }), state);
          expect(state).toEqual(copy);
          if (isRefusal(out)) expect(out.refused).toMatch(/forbidden|invalid/);
          else expect(agency).toBe("health");
        },
      ),
    );
  });
});

describe("report status and the due time", () => {
  const none: ReportState = { status: "none" };
  const at = (submittedAt: string): ReportState => ({
    status: "submitted",
    month: "2026-03",
    agency: "health",
    submittedAt,
    submittedBy: "health.liaison",
    figures: figures(),
  });

  it("is due by the end of the 10th of the next month in China's time", () => {
    // 10 April 23:59:59 in China is in time; 11 April 00:00 is late.
    expect(reportStatus(at("2026-04-10T15:59:59.999Z"), "2026-03", new Date())).toBe("submitted");
    expect(reportStatus(at("2026-04-10T23:59:59+08:00"), "2026-03", new Date())).toBe("submitted");
    expect(reportStatus(at("2026-04-11T00:00:00+08:00"), "2026-03", new Date())).toBe("late");
    expect(reportStatus(none, "2026-03", new Date("2026-04-10T15:59:59Z"))).toBe("pending");
    expect(reportStatus(none, "2026-03", new Date("2026-04-10T16:00:00Z"))).toBe("missing");
    // December's report is due in January of the next year.
    expect(reportStatus(none, "2026-12", new Date("2027-01-10T15:00:00Z"))).toBe("pending");
  });
});

describe("the county's report", () => {
  const agencies = [
    { code: "health", name: "卫生健康部门" },
    { code: "drug-regulation", name: "食品药品监督管理部门" },
    { code: "commerce", name: "工商行政管理部门（市场监管）" },
  ];
  // Health and drug regulation found things on one joint inspection; health opened two cases.
  let book = initialFigures("620702");
  const fact = (agency: string, add: Partial<MonthlyFigures>, inspectionId?: string) => {
    book = addFact(book, {
      key: `${agency}.${Object.keys(add)[0]}`,
      county: "620702",
      month: "2026-03",
      agency,
      add,
      about: [],
      ...(inspectionId ? { inspectionId } : {}),
    });
  };
  fact("health", { inspections: 1, devicesSealed: 2, institutionsChecked: 3 }, "insp-1");
  fact(
    "drug-regulation",
    { inspections: 1, drugsConfiscated: 40, institutionsChecked: 5 },
    "insp-1",
  );
  fact("health", { casesOpened: 2, casesClosed: 1 });
  const healthReport = run(
    { status: "none" },
    submit({
      figures: figures({
        inspections: 1,
        devicesSealed: 2,
        institutionsChecked: 3,
        casesOpened: 2,
        casesClosed: 2,
      }),
      note: "另有一案已于月末结案，待录入",
    }),
  ).state;
  const view = monthlyReportView({
    county: "620702",
    countyName: "甘州区",
    month: "2026-03",
    now: new Date("2026-04-12T00:00:00Z"),
    agencies,
    book,
    report: (a) => (a === "health" ? healthReport : { status: "none" }),
  });

  it("states what the agency submitted beside the bus's figures, every difference flagged, its note shown", () => {
    const health = view.agencies.find((a) => a.agency === "health")!;
    expect(health).toMatchObject({
      status: "submitted",
      source: "submitted",
      figures: { casesClosed: 2 },
      compiled: { casesClosed: 1 },
      closureRate: 1,
      compiledClosureRate: 0.5,
      differences: [{ figure: "casesClosed", reported: 2, compiled: 1 }],
      submitted: { note: "另有一案已于月末结案，待录入" },
    });
    expect(view.discrepant).toEqual(["health"]);
  });

  it("shows an agency that has not reported with the bus's figures, marked, and flags it once due", () => {
    const drugs = view.agencies.find((a) => a.agency === "drug-regulation")!;
    expect(drugs).toMatchObject({ status: "missing", source: "compiled", differences: [] });
    expect(drugs.figures).toEqual(drugs.compiled);
    expect(view.flagged).toEqual(["drug-regulation", "commerce"]);
    expect(view.agencies.find((a) => a.agency === "commerce")!.closureRate).toBeNull();
  });

  it("totals the rows as stated, a joint inspection once, with the county's name and due day", () => {
    expect(view.total.figures).toMatchObject({
      inspections: 1,
      institutionsChecked: 8,
      devicesSealed: 2,
      drugsConfiscated: 40,
      casesOpened: 2,
      casesClosed: 2,
    });
    expect(view.total.compiled.casesClosed).toBe(1);
    expect(view.total.differences).toEqual([{ figure: "casesClosed", reported: 2, compiled: 1 }]);
    expect(view).toMatchObject({
      countyName: "甘州区",
      dueBy: "2026-04-10T16:00:00.000Z",
      lastDay: "2026-04-10",
    });
  });

  it("gives the agency its pre-filled figures, and where its submission differs", () => {
    const own = agencyReportView({
      agency: "health",
      month: "2026-03",
      now: new Date("2026-04-05T00:00:00Z"),
      book,
      report: healthReport,
    });
    expect(own).toMatchObject({
      open: true,
      status: "submitted",
      prefilled: { casesClosed: 1, inspections: 1 },
      differences: [{ figure: "casesClosed", reported: 2, compiled: 1 }],
    });
    expect(
      agencyReportView({
        agency: "health",
        month: "2026-05",
        now: new Date("2026-04-05T00:00:00Z"),
        book,
        report: { status: "none" },
      }).open,
    ).toBe(false);
  });
});
