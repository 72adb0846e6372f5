import { type BusEvent, CITY_OFFICE, MajorCaseAcknowledgement, OFFICE } from "@liandong/contracts";
import {
  type MajorCaseEvent,
  type MajorCaseRecord,
  type MajorCaseState,
  majorCaseDecider,
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
  readJson,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";

/** The major cases reported to the city (重大案件), by `county|caseId`, as the domain records them. */
export type MajorCases = { all: Map<string, MajorCaseRecord>; decisions: Decisions };
export const newMajorCases = (): MajorCases => ({ all: new Map(), decisions: new Decisions() });
const key = (county: string, caseId: string) => `${county}|${caseId}`;

const isMajorCaseEvent = (e: BusEvent): e is BusEvent & MajorCaseEvent =>
  e.type === "major-case.reported" ||
  e.type === "major-case.acknowledged" ||
  e.type === "major-case.chased";

/**
 * The record after one event from the bus, replayed with its publisher (the domain's
 * `recordMajorCase`): the refusal when its publisher could not have taken the step.
 */
export function followMajorCases(m: MajorCases, e: BusEvent): Refusal | undefined {
  if (!isMajorCaseEvent(e)) return undefined;
  const k = key(e.data.county, e.data.caseId);
  const recorded = recordMajorCase(m.all.get(k) ?? majorCaseDecider.initialState(), e);
  if (!recorded.ok) return recorded.refused;
  m.all.set(k, recorded.record);
  return undefined;
}

/** What the city's page and its officers see of one major case. */
export function majorCaseView(r: MajorCaseRecord) {
  const { events: _events, status: _status, ...view } = r;
  return { ...view, acknowledged: r.acknowledgedAt !== undefined };
}

/**
 * `GET /major-cases` (newest first), `POST /major-cases/{county}/{caseId}/acknowledge`: the city's
 * office acknowledges a report (已收悉); the county's office sees it over the link.
 */
export function majorCaseRoutes(
  ctx: ServiceContext,
  deps: { log: AggregateLog; majorCases: MajorCases },
): Hono<HttpEnv> {
  const { all, decisions } = deps.majorCases;
  const app = new Hono<HttpEnv>();
  app.get("/major-cases", (c) =>
    c.json(newestFirst([...all.values()].map(majorCaseView), (r) => r.reportedAt)),
  );
  app.post("/major-cases/:county/:caseId/acknowledge", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, MajorCaseAcknowledgement);
    const k = key(c.req.param("county"), c.req.param("caseId"));
    const eventId = uuidFromName(`major-case-acknowledged:${k}`);
    const done = await decisions.run<MajorCaseState, MajorCaseEvent>({
      aggregateId: k,
      load: () => all.get(k),
      already: (r) => (r.status === "reported" && r.events.includes(eventId) ? r : undefined),
      decide: (r) =>
        majorCaseDecider.decide(
          {
            type: "acknowledge",
            at: ctx.clock().toISOString(),
            eventId,
            actor: { agency: CITY_OFFICE, county: ctx.county },
            note: body.note,
          },
          r,
        ),
      append: async (r, events) => {
        if (r.status === "none") throw new Error("acknowledged before reported");
        const next = await appendDecided(deps.log, r, events, {
          envelope: () => ({
            actor: officer.id,
            aggregate: { kind: "major-case", id: r.facts.caseId },
            to: OFFICE,
            toCounty: r.facts.county,
          }),
          // Onto the record as it stands now: the county may have reported it again meanwhile.
          fold: (before, e) => {
            const now = majorCaseDecider.evolve(all.get(k) ?? before, e);
            if (now.status !== "reported") return before;
            all.set(k, now);
            return now;
          },
        });
        return next;
      },
      version: (r) => (r?.status === "reported" ? r.events.length : 0),
      notFound: new ProblemError(404, "not-found", "未找到该重大案件通报"),
    });
    if (done.status === "none") throw new Error("an acknowledged report is a report");
    return c.json(majorCaseView(done), 200);
  });
  return app;
}
