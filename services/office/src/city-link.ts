import {
  type BusEvent,
  CITY_OFFICE,
  type EventData,
  ReportMonth,
  serviceActor,
} from "@liandong/contracts";
import {
  type CaseRecord,
  type CountyReportEvent,
  type CountyReportState,
  countyReportDecider,
  type MajorCaseEvent,
  type MajorCaseRecord,
  type MajorCaseState,
  majorCaseDecider,
  majorCaseFacts,
  majorCaseGrounds,
  type Refusal,
  recordMajorCase,
} from "@liandong/domain";
import {
  type AggregateLog,
  appendDecided,
  Decisions,
  type HttpEnv,
  newestFirst,
  ProblemError,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import type { Cases } from "./cases.ts";
import type { ReferralTracker } from "./referral-tracker.ts";
import { monthlyReport, type Submissions } from "./reports.ts";
import type { Statistics } from "./statistics.ts";

/**
 * The county's office and its city (上下联动): the monthly reports it closed and sent up, the
 * major cases it reported and the city's acknowledgements, folded with the domain's deciders;
 * one decision at a time per aggregate.
 */
export type CityLink = {
  /** The city's code, when the county has one above it (`config.city`). */
  city: string | undefined;
  closed: Map<string, CountyReportState>;
  majorCases: Map<string, MajorCaseRecord>;
  decisions: Decisions;
};

export function newCityLink(ctx: Pick<ServiceContext, "config" | "county">): CityLink {
  const code = ctx.config.city?.code;
  return {
    city: code !== undefined && code !== ctx.county ? code : undefined,
    closed: new Map(),
    majorCases: new Map(),
    decisions: new Decisions(),
  };
}

const isMajorCaseEvent = (e: BusEvent): e is BusEvent & MajorCaseEvent =>
  e.type === "major-case.reported" ||
  e.type === "major-case.acknowledged" ||
  e.type === "major-case.chased";

/**
 * The link's records after one event from the county's log: its own reports sent up, and each
 * step on a major case (its own reports and chases, the city's acknowledgement over the link),
 * replayed with its publisher. The refusal when the publisher could not have taken the step.
 */
export function followCityLink(link: CityLink, e: BusEvent): Refusal | undefined {
  if (e.type === "report.closed" && e.county === e.data.county) {
    const before = link.closed.get(e.data.month) ?? countyReportDecider.initialState();
    link.closed.set(e.data.month, countyReportDecider.evolve(before, e));
    return undefined;
  }
  if (!isMajorCaseEvent(e)) return undefined;
  const before = link.majorCases.get(e.data.caseId) ?? majorCaseDecider.initialState();
  const recorded = recordMajorCase(before, e);
  if (!recorded.ok) return recorded.refused;
  link.majorCases.set(e.data.caseId, recorded.record);
  return undefined;
}

type Deps = {
  log: AggregateLog;
  link: CityLink;
  cases: Cases;
  referrals: ReferralTracker;
  stats: Statistics;
  submissions: Submissions;
};

/** Every county a case involves: the county's own, its target's, its referrals' either end. */
function countiesOf(ctx: ServiceContext, k: CaseRecord, referrals: ReferralTracker): string[] {
  const out = new Set([ctx.county, k.target.county]);
  for (const id of k.referrals) {
    const r = referrals.get(id);
    if (r?.fromCounty) out.add(r.fromCounty);
    if (r?.toCounty) out.add(r.toCounty);
  }
  return [...out];
}

/** One step on a major case, decided on the county's record of it and appended, addressed up. */
function decideMajorCase(
  deps: Deps,
  caseId: string,
  actor: string,
  command: (state: MajorCaseState) => Parameters<typeof majorCaseDecider.decide>[0],
): Promise<MajorCaseState> {
  const { link } = deps;
  return link.decisions.run<MajorCaseState, MajorCaseEvent>({
    aggregateId: caseId,
    load: () => link.majorCases.get(caseId),
    initial: () => majorCaseDecider.initialState(),
    decide: (s) => majorCaseDecider.decide(command(s), s),
    append: async (s, events) => {
      const next = await appendDecided(deps.log, s, events, {
        envelope: () => ({
          actor,
          aggregate: { kind: "major-case", id: caseId },
          to: CITY_OFFICE,
          toCounty: link.city,
        }),
        // Onto the record as it stands now: the city's acknowledgement may have come meanwhile.
        fold: (_, e) => {
          const now = majorCaseDecider.evolve(
            link.majorCases.get(caseId) ?? majorCaseDecider.initialState(),
            e,
          );
          if (now.status === "reported") link.majorCases.set(caseId, now);
          return now;
        },
      });
      return next;
    },
    version: (s) => (s?.status === "reported" ? s.events.length : 0),
    notFound: new ProblemError(404, "not-found", "未找到该重大案件"),
  });
}

/**
 * Reports each case that meets the county's criteria to the city at once, and again when its
 * facts changed (closed since, another ground); chases each report the city has not
 * acknowledged `chaseAfterSeconds` after it was sent or last chased. Runs once the office has
 * caught up with its log, on every case event after that, and on the office's scheduler.
 */
export function majorCaseReporter(ctx: ServiceContext, deps: Deps) {
  const { link } = deps;
  const city = ctx.config.city;
  const inFlight = new Set<string>();
  const once = (key: string, work: () => Promise<unknown>) => {
    if (inFlight.has(key)) return;
    inFlight.add(key);
    work().then(
      () => inFlight.delete(key),
      (err) => {
        inFlight.delete(key);
        if (err instanceof ProblemError && err.status === 409)
          ctx.logger.info({ key, detail: err.detail }, "major-case step not needed");
        else ctx.logger.error({ err, key }, "could not record a major-case step");
      },
    );
  };
  const report = (k: CaseRecord) => {
    if (!link.city || !city) return;
    const counties = countiesOf(ctx, k, deps.referrals);
    const grounds = majorCaseGrounds(k, counties, city.majorCase);
    if (grounds.length === 0) return;
    const facts = majorCaseFacts(k, ctx.county, grounds, counties);
    const known = link.majorCases.get(k.caseId);
    if (known && JSON.stringify(known.facts) === JSON.stringify(facts)) return;
    const at = ctx.clock().toISOString();
    once(`report:${k.caseId}:${JSON.stringify(facts)}`, () =>
      decideMajorCase(deps, k.caseId, serviceActor(ctx.agency), () => ({
        type: "report",
        at,
        eventId: uuidFromName(`major-case-reported:${k.caseId}:${at}`),
        actor: { agency: ctx.agency, county: ctx.county },
        facts,
      })),
    );
  };
  const chase = () => {
    if (!link.city || !city) return;
    const now = ctx.clock();
    for (const r of link.majorCases.values()) {
      if (r.acknowledgedAt !== undefined) continue;
      const since = Date.parse(r.lastChasedAt ?? r.updatedAt);
      if (now.getTime() - since < city.chaseAfterSeconds * 1000) continue;
      const level = r.chases + 1;
      once(`chase:${r.facts.caseId}:${level}`, () =>
        decideMajorCase(deps, r.facts.caseId, serviceActor(ctx.agency), () => ({
          type: "chase",
          at: ctx.clock().toISOString(),
          eventId: uuidFromName(`major-case-chased:${r.facts.caseId}:${level}`),
          actor: { agency: ctx.agency, county: ctx.county },
          afterMs: city.chaseAfterSeconds * 1000,
        })),
      );
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let live = false;
  return {
    /** A case event folded: once caught up, its case is looked at at once. */
    caseChanged(caseId: string) {
      if (!live) return;
      const k = deps.cases.get(caseId);
      if (k) report(k);
    },
    start() {
      if (!link.city || live) return;
      live = true;
      for (const k of deps.cases.values()) report(k);
      timer = setInterval(chase, ctx.config.overdueCheckSeconds * 1000);
      timer.unref();
    },
    stop() {
      live = false;
      if (timer) clearInterval(timer);
    },
  };
}

/**
 * `POST /reports/{month}/close`: the office closes the county's monthly report and sends it up to
 * the city (the figures as the county's report states them now); `GET /city/reports`: what it
 * sent; `GET /major-cases`: the major cases reported, and whether the city acknowledged each.
 */
export function cityLinkRoutes(ctx: ServiceContext, deps: Deps): Hono<HttpEnv> {
  const { link } = deps;
  const app = new Hono<HttpEnv>();
  app.post("/reports/:month/close", async (c) => {
    const month = ReportMonth.safeParse(c.req.param("month"));
    if (!month.success)
      throw new ProblemError(422, "invalid-report", "月份有误", "month: YYYY-MM", {
        errors: [{ field: "month", message: { zh: "月份格式为 YYYY-MM", en: "month: YYYY-MM" } }],
      });
    if (!link.city)
      throw new ProblemError(409, "conflict", "本县未配置上级市", {
        zh: "配置项 config.city.code 未设置",
        en: "config.city.code is not set",
      });
    const officer = c.get("officer");
    const view = monthlyReport(ctx, deps.stats, deps.submissions, month.data);
    const report: EventData<"report.closed"> = {
      month: month.data,
      county: ctx.county,
      figures: view.total.figures,
      agencies: view.agencies.map((a) => ({
        agency: a.agency,
        name: a.name,
        status: a.status,
        figures: a.figures,
      })),
      flagged: view.flagged,
    };
    const state = await link.decisions.run<CountyReportState, CountyReportEvent>({
      aggregateId: `report:${month.data}`,
      load: () => link.closed.get(month.data),
      initial: () => countyReportDecider.initialState(),
      decide: (s) =>
        countyReportDecider.decide(
          {
            type: "close",
            actor: { agency: ctx.agency, county: ctx.county },
            report,
            now: ctx.clock(),
          },
          s,
        ),
      append: async (s, events) => {
        const next = await appendDecided(deps.log, s, events, {
          envelope: () => ({
            actor: officer.id,
            aggregate: { kind: "report", id: `closed-${month.data}` },
            to: CITY_OFFICE,
            toCounty: link.city,
          }),
          fold: countyReportDecider.evolve,
        });
        link.closed.set(month.data, next);
        return next;
      },
      version: (s) => (s?.status === "closed" ? Date.parse(s.closedAt) : 0),
      notFound: new ProblemError(404, "not-found", "未找到该月报"),
    });
    return c.json({ city: link.city, ...state }, 200);
  });
  app.get("/major-cases", (c) =>
    c.json(
      newestFirst(
        [...link.majorCases.values()].map(({ events: _e, status: _s, ...r }) => ({
          ...r,
          acknowledged: r.acknowledgedAt !== undefined,
        })),
        (r) => r.reportedAt,
      ),
    ),
  );
  return app;
}
