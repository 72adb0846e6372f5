import {
  CountyConfig,
  MajorCaseReported,
  MonthlyFigures,
  type Sanction,
} from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CaseRecord } from "../case/case.ts";
import { isRefusal, refusalMessage } from "../decider.ts";
import { FIGURE_NAMES } from "../report/figures.ts";
import {
  type SupervisionCommand,
  type SupervisionState,
  supervisionDecider,
} from "../supervision/supervision.ts";
import { type CountyReportState, cityReportView, countyReportDecider } from "./county-report.ts";
import {
  majorCaseDecider,
  majorCaseFacts,
  majorCaseGrounds,
  recordMajorCase,
} from "./major-case.ts";

const CITY = "620700";
const GANZHOU = "620702";
const SUNAN = "620721";
const criteria = CountyConfig.parse({ county: GANZHOU, city: { code: CITY } }).city!.majorCase;

const figures = fc.record(
  Object.fromEntries(FIGURE_NAMES.map((k) => [k, fc.nat({ max: 100_000 })])) as Record<
    keyof MonthlyFigures,
    fc.Arbitrary<number>
  >,
) as fc.Arbitrary<MonthlyFigures>;

const closed = (county: string, f: MonthlyFigures, at: string) => ({
  type: "report.closed" as const,
  time: at,
  county,
  agency: "office",
  data: { month: "2026-03", county, figures: f, agencies: [], flagged: [] },
});

describe("the city's report (汇总上报)", () => {
  it("totals the counties' figures as sent up, and names the late and missing", () => {
    fc.assert(
      fc.property(figures, figures, (a, b) => {
        const reports = new Map<string, CountyReportState>();
        const fold = (e: ReturnType<typeof closed>) =>
          reports.set(
            e.county,
            countyReportDecider.evolve(
              reports.get(e.county) ?? countyReportDecider.initialState(),
              e,
            ),
          );
        // Ganzhou in time (due on the 15th with five days' grace), Sunan on the 20th; Linze never.
        fold(closed(GANZHOU, a, "2026-04-09T02:00:00.000Z"));
        fold(closed(SUNAN, b, "2026-04-20T02:00:00.000Z"));
        const view = cityReportView({
          city: CITY,
          cityName: "张掖市",
          month: "2026-03",
          now: new Date("2026-04-25T00:00:00Z"),
          reportDueDays: 5,
          counties: [GANZHOU, SUNAN, "620723"].map((code) => ({ code, name: code })),
          report: (c) => reports.get(c) ?? countyReportDecider.initialState(),
        });
        for (const k of FIGURE_NAMES) expect(view.total[k]).toBe(a[k] + b[k]);
        expect(view.counties.map((c) => c.status)).toEqual(["submitted", "late", "missing"]);
        expect(view.late).toEqual([SUNAN, "620723"]);
      }),
    );
  });

  it("is closed by the county's own office only, and a correction keeps the first sending's time", () => {
    const report = closed(
      GANZHOU,
      MonthlyFigures.parse(Object.fromEntries(FIGURE_NAMES.map((k) => [k, 1]))),
      "x",
    ).data;
    const now = new Date("2026-04-12T00:00:00Z");
    const by = (agency: string, county = GANZHOU) => ({ agency, county });
    expect(
      countyReportDecider.decide(
        { type: "close", actor: by("health"), report, now },
        { status: "none" },
      ),
    ).toMatchObject({ refused: "forbidden" });
    expect(
      countyReportDecider.decide(
        { type: "close", actor: by("office", SUNAN), report, now },
        { status: "none" },
      ),
    ).toMatchObject({ refused: "forbidden" });
    const first = countyReportDecider.decide(
      { type: "close", actor: by("office"), report, now },
      { status: "none" },
    );
    if (isRefusal(first)) throw new Error(refusalMessage(first));
    const s1 = countyReportDecider.evolve({ status: "none" }, first[0]!);
    expect(
      countyReportDecider.decide({ type: "close", actor: by("office"), report, now }, s1),
    ).toEqual([]);
    const corrected = { ...report, figures: { ...report.figures, casesOpened: 9 } };
    const later = new Date("2026-04-20T00:00:00Z");
    const second = countyReportDecider.decide(
      { type: "close", actor: by("office"), report: corrected, now: later },
      s1,
    );
    if (isRefusal(second)) throw new Error(refusalMessage(second));
    const s2 = countyReportDecider.evolve(s1, second[0]!);
    expect(s2).toMatchObject({ firstClosedAt: now.toISOString(), closedAt: later.toISOString() });
    // Folded again, or an older sending after a newer: nothing changes.
    expect(countyReportDecider.evolve(s2, first[0]!)).toBe(s2);
  });
});

const record = (sanctions: Sanction[], target = GANZHOU): CaseRecord => ({
  caseId: "00000000-0000-4000-8000-0000000000c1",
  agency: "health",
  title: "某诊所非法鉴定胎儿性别案",
  status: "closed",
  leads: ["00000000-0000-4000-8000-0000000000a1"],
  referrals: [],
  violations: ["illegal-sex-determination"],
  target: {
    kind: "institution",
    name: "某诊所",
    unit: "B超室",
    address: "某街1号",
    county: target,
  },
  openedAt: "2026-03-02T01:00:00.000Z",
  closedAt: "2026-03-20T01:00:00.000Z",
  steps: [
    {
      kind: "investigation",
      summary: "举报人李某（inf_0123456789abcdef0123456789abcdef）称…",
      at: "2026-03-03T01:00:00.000Z",
      actor: "hl-wang",
      evidence: [],
    },
  ],
  sanctions,
  summary: "举报人所述属实",
  applied: ["e1"],
});

describe("a major case (重大案件)", () => {
  it("is one by the county's criteria", () => {
    const fine = (amountYuan: number): Sanction => ({
      kind: "fine",
      amountYuan,
      against: "某诊所",
    });
    expect(majorCaseGrounds(record([fine(19_999)]), [GANZHOU], criteria)).toEqual([]);
    expect(majorCaseGrounds(record([fine(20_000)]), [GANZHOU], criteria)).toEqual([
      "fine-at-least",
    ]);
    expect(
      majorCaseGrounds(
        record([
          { kind: "transfer-to-judiciary", against: "某" },
          { kind: "revoke-institution-licence", against: "某诊所" },
        ]),
        [GANZHOU, SUNAN],
        criteria,
      ),
    ).toEqual(["transfer-to-judiciary", "institution-licence-revoked", "several-counties"]);
    expect(
      majorCaseGrounds(record([fine(50_000)]), [GANZHOU], { ...criteria, fineAtLeastYuan: null }),
    ).toEqual([]);
  });

  it("is reported with its facts, never its leads, notes, address or an informant", () => {
    const facts = majorCaseFacts(
      record([{ kind: "transfer-to-judiciary", against: "某" }]),
      GANZHOU,
      ["transfer-to-judiciary"],
      [GANZHOU],
    );
    expect(MajorCaseReported.parse(facts)).toEqual(facts);
    const text = JSON.stringify(facts);
    for (const secret of ["inf_", "举报人", "某街1号", "B超室", "0000000000a1"])
      expect(text).not.toContain(secret);
  });

  it("is acknowledged by the city's office once, and chased by the county's office until then", () => {
    const facts = majorCaseFacts(
      record([{ kind: "transfer-to-judiciary", against: "某" }]),
      GANZHOU,
      ["transfer-to-judiciary"],
      [GANZHOU],
    );
    const office = { agency: "office", county: GANZHOU };
    const city = { agency: "city-office", county: CITY };
    const step = (at: string, id: string) => ({ at, eventId: id });
    let s = majorCaseDecider.initialState();
    const apply = (r: ReturnType<typeof majorCaseDecider.decide>) => {
      if (isRefusal(r)) throw new Error(refusalMessage(r));
      for (const e of r) s = majorCaseDecider.evolve(s, e);
      return r;
    };
    expect(
      majorCaseDecider.decide(
        {
          ...step("2026-03-20T01:00:00Z", "r"),
          type: "report",
          actor: { agency: "health", county: GANZHOU },
          facts,
        },
        s,
      ),
    ).toMatchObject({ refused: "forbidden" });
    apply(
      majorCaseDecider.decide(
        { ...step("2026-03-20T01:00:00.000Z", "r"), type: "report", actor: office, facts },
        s,
      ),
    );
    const chase = (at: string, id: string) =>
      majorCaseDecider.decide(
        { ...step(at, id), type: "chase", actor: office, afterMs: 60_000 },
        s,
      );
    expect(chase("2026-03-20T01:00:30.000Z", "c0")).toMatchObject({ refused: "conflict" });
    expect(apply(chase("2026-03-20T01:01:00.000Z", "c1"))[0]!.data).toMatchObject({ level: 1 });
    expect(chase("2026-03-20T01:01:30.000Z", "c2")).toMatchObject({ refused: "conflict" });
    expect(
      majorCaseDecider.decide(
        { ...step("2026-03-20T01:02:00Z", "a0"), type: "acknowledge", actor: office },
        s,
      ),
    ).toMatchObject({ refused: "forbidden" });
    apply(
      majorCaseDecider.decide(
        { ...step("2026-03-20T01:02:00.000Z", "a1"), type: "acknowledge", actor: city },
        s,
      ),
    );
    expect(s).toMatchObject({ acknowledgedAt: "2026-03-20T01:02:00.000Z", chases: 1 });
    expect(chase("2026-03-20T02:00:00.000Z", "c3")).toMatchObject({ refused: "conflict" });
  });

  it("is recorded from the bus only as its publisher could have decided it", () => {
    const facts = majorCaseFacts(
      record([{ kind: "transfer-to-judiciary", against: "某" }]),
      GANZHOU,
      ["transfer-to-judiciary"],
      [GANZHOU],
    );
    const e = {
      id: "r",
      type: "major-case.reported" as const,
      time: "2026-03-20T01:00:00.000Z",
      county: GANZHOU,
      agency: "office",
      data: facts,
    };
    expect(recordMajorCase({ status: "none" }, { ...e, county: SUNAN }).ok).toBe(false);
    expect(recordMajorCase({ status: "none" }, { ...e, agency: "health" }).ok).toBe(false);
    const r = recordMajorCase({ status: "none" }, e);
    if (!r.ok) throw new Error(refusalMessage(r.refused));
    const ack = {
      id: "a",
      type: "major-case.acknowledged" as const,
      time: "2026-03-20T01:01:00.000Z",
      county: GANZHOU,
      agency: "office",
      data: { caseId: facts.caseId, county: GANZHOU },
    };
    expect(recordMajorCase(r.record, ack).ok).toBe(false);
    const acked = recordMajorCase(r.record, { ...ack, county: CITY, agency: "city-office" });
    expect(acked).toMatchObject({ ok: true, record: { acknowledgedAt: ack.time } });
    if (!acked.ok) throw new Error(refusalMessage(acked.refused));
    // A chase the county sent while the acknowledgement was on its way: on the record, moot.
    const chase = {
      id: "c",
      type: "major-case.chased" as const,
      time: "2026-03-20T01:01:01.000Z",
      county: GANZHOU,
      agency: "office",
      data: { caseId: facts.caseId, county: GANZHOU, level: 1 },
    };
    expect(recordMajorCase(acked.record, chase)).toMatchObject({
      ok: true,
      record: { chases: 0, acknowledgedAt: ack.time },
    });
    expect(recordMajorCase(acked.record, { ...chase, agency: "health" }).ok).toBe(false);
  });
});

describe("the city supervises down (督办)", () => {
  const CASE = "00000000-0000-4000-8000-0000000000c1";
  const city = { agency: "city-office", county: CITY };
  const office = (county = GANZHOU) => ({ agency: "office", county });
  const issue = (reported = true) => ({
    type: "issue" as const,
    at: "2026-03-20T01:00:00.000Z",
    eventId: "o1",
    orderId: "00000000-0000-4000-8000-0000000000d1",
    about: { kind: "case" as const, id: CASE },
    reason: "请于三日内报告查处进展",
    answerWithinDays: 3,
    supervised: { kind: "major-case" as const, reported, county: GANZHOU },
  });
  const decideBy = (
    command: SupervisionCommand,
    actor: { agency: string; county: string },
    state: SupervisionState,
  ) => supervisionDecider.decide({ command, actor }, state);

  it("orders a county's office about a major case it reported; that office answers, no other", () => {
    expect(decideBy(issue(false), city, { status: "none" })).toMatchObject({ refused: "conflict" });
    expect(decideBy(issue(), office(), { status: "none" })).toMatchObject({ refused: "invalid" });
    const issued = decideBy(issue(), city, { status: "none" });
    if (isRefusal(issued)) throw new Error(refusalMessage(issued));
    expect(issued[0]!.data).toMatchObject({
      to: "office",
      by: "city-office",
      byCounty: CITY,
      toCounty: GANZHOU,
    });
    const order = supervisionDecider.evolve({ status: "none" }, issued[0]!);
    const answer = {
      type: "answer" as const,
      at: "2026-03-21T01:00:00.000Z",
      eventId: "a1",
      answer: "已立案查处，正在移送",
    };
    expect(decideBy(answer, office(MINLE_), order)).toMatchObject({ refused: "forbidden" });
    expect(decideBy(answer, { agency: "health", county: GANZHOU }, order)).toMatchObject({
      refused: "forbidden",
    });
    expect(decideBy(answer, office(), order)).toMatchObject([{ type: "supervision.answered" }]);
    // Only the city escalates its order, once its deadline has passed.
    const escalate = { type: "escalate" as const, at: "2026-03-24T01:00:00.000Z", eventId: "e1" };
    expect(decideBy(escalate, office(), order)).toMatchObject({ refused: "forbidden" });
    expect(decideBy(escalate, city, order)).toMatchObject([
      { type: "supervision.escalated", data: { level: 2 } },
    ]);
  });
});
const MINLE_ = "620722";
