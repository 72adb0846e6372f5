import {
  type BusEvent,
  COMPARISON,
  type ComparisonFound,
  MatchRule,
  OfficeFindingQuery,
  type OfficeFindings,
  type OfficeFindingView,
} from "@liandong/contracts";
import { type Refusal, refuse } from "@liandong/domain";
import { type HttpEnv, readQuery, type ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";
import type { z } from "zod";
import type { Tracker } from "./lead-tracker.ts";

/** One finding as the comparison service recorded it, and when. */
export type StoredFinding = ComparisonFound & { foundAt: string };

/** The county's findings of the comparison rules (比对发现), by finding id. */
export type Findings = Map<string, StoredFinding>;

/**
 * The findings after one event: only the comparison service of this county records them (an
 * agency's `comparison.found` under its own subject is not one, and is refused). The same
 * finding recorded again (a restarted service) replaces nothing: the first record stands.
 */
export function followFindings(
  findings: Findings,
  e: BusEvent,
  county: string,
): { refused: Refusal } | undefined {
  if (e.type !== "comparison.found") return undefined;
  if (e.agency !== COMPARISON || e.county !== county)
    return {
      refused: refuse("forbidden", "comparison.finding-not-entitled", {
        county: e.county,
        agency: e.agency,
      }),
    };
  if (!findings.has(e.data.finding)) findings.set(e.data.finding, { ...e.data, foundAt: e.time });
  return undefined;
}

const zeroByRule = (): Record<MatchRule, number> =>
  Object.fromEntries(MatchRule.options.map((r) => [r, 0])) as Record<MatchRule, number>;

/**
 * Pure: the findings by month and rule, and the page asked for, each with the lead it made as
 * the office tracks it. Nothing here names anybody: the office holds no register and no key.
 */
export function findingsView(
  findings: Findings,
  tracker: Tracker,
  county: string,
  q: z.infer<typeof OfficeFindingQuery>,
): OfficeFindings {
  const months = new Map<string, { total: number; byRule: Record<MatchRule, number> }>();
  for (const f of findings.values()) {
    let m = months.get(f.month);
    if (!m) {
      m = { total: 0, byRule: zeroByRule() };
      months.set(f.month, m);
    }
    m.total++;
    m.byRule[f.rule]++;
  }
  const all = [...findings.values()]
    .filter((f) => (!q.month || f.month === q.month) && (!q.rule || f.rule === q.rule))
    .sort((a, b) => b.dueOn.localeCompare(a.dueOn) || a.finding.localeCompare(b.finding));
  const items = all.slice(q.offset, q.offset + q.limit).map((f): OfficeFindingView => {
    const l = tracker.get(f.leadId);
    return {
      ...f,
      lead: l
        ? {
            leadId: l.leadId,
            originator: l.originator,
            sharedWith: l.sharedWith,
            deliveredTo: l.deliveredTo,
            status: l.status,
          }
        : null,
    };
  });
  return {
    county,
    months: [...months]
      .sort(([a], [b]) => b.localeCompare(a))
      .map(([month, m]) => ({ month, ...m })),
    items,
    total: all.length,
  };
}

/** `GET /comparison/findings`: the county's findings by month, for the leading group's office. */
export function findingRoutes(
  ctx: ServiceContext,
  parts: { findings: Findings; tracker: Tracker },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/comparison/findings", (c) =>
    c.json(
      findingsView(parts.findings, parts.tracker, ctx.county, readQuery(c, OfficeFindingQuery)),
    ),
  );
  return app;
}
