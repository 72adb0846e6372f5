import { OFFICE, ReportMonth, ReportSubmission } from "@liandong/contracts";
import {
  agencyReportView,
  type Refusal,
  type ReportEvent,
  type ReportState,
  reportDecider,
} from "@liandong/domain";
import {
  appendDecided,
  ProblemError,
  readJson,
  refusalInvalid,
  refusalProblem,
  uuidFromName,
} from "@liandong/runtime";
import { type FeatureApp, type FeatureContext, type FeatureDeps, featureApp } from "./feature.ts";
import type { ReportDesk } from "./report-desk.ts";

const monthParam = (c: FeatureContext) => {
  const month = ReportMonth.safeParse(c.req.param("month"));
  if (!month.success) throw new ProblemError(404, "not-found", "月份格式应为 YYYY-MM");
  return month.data;
};

function refused(r: Refusal): Error {
  if (r.refused === "invalid") return refusalInvalid("invalid-report", r);
  return refusalProblem(r);
}

/**
 * The agency's monthly report (月报): pre-filled from the events it sees, by the fold the office
 * makes of the whole bus; submitted (and corrected) by its officers, decided by the report
 * aggregate.
 */
export function reportRoutes(deps: FeatureDeps & { reports: ReportDesk }): FeatureApp {
  const { agency, reports, log, clock } = deps;
  // One submission of a month at a time: each decides on the report the one before left.
  const { app, decisions } = featureApp();
  app.get("/reports/:month", (c) => {
    const month = monthParam(c);
    return c.json(
      agencyReportView({
        agency,
        month,
        now: clock(),
        book: reports.book,
        report: reports.report(month),
      }),
    );
  });
  app.post("/reports/:month/submission", async (c) => {
    const month = monthParam(c);
    const officer = c.get("officer");
    const body = await readJson(c, ReportSubmission);
    let first = false;
    const after = await decisions.run<ReportState, ReportEvent>({
      aggregateId: month,
      load: () => reports.report(month),
      decide: (before) => {
        first = before.status === "none";
        return reportDecider.decide(
          {
            type: "submit",
            month,
            officer: { id: officer.id, agency: officer.agency },
            agency,
            figures: body.figures,
            note: body.note,
            now: clock(),
          },
          before,
        );
      },
      append: (before, events) =>
        appendDecided(log, before, events, {
          envelope: (e) => ({
            actor: e.actor,
            aggregate: { kind: "report", id: uuidFromName(`report:${month}:${agency}`) },
            to: OFFICE,
          }),
          fold: (_state, e) => reports.fold(e),
        }),
      // Only this agency writes its reports: the log chains onto a stale head by itself.
      version: () => 0,
      notFound: new ProblemError(404, "not-found", "未找到该月报"),
      problem: (r) => refused(r),
    });
    if (after.status !== "submitted") throw new Error("a submission left no report");
    const { status: _status, ...saved } = after;
    return c.json(saved, first ? 201 : 200);
  });
  return app;
}
