import { LeadStatus } from "@liandong/contracts";
import { type HttpEnv, ProblemError, readQuery, type ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";
import { z } from "zod";
import { type Tracker, trackedLead } from "./lead-tracker.ts";

const LeadQuery = z.object({
  agency: z.string().optional(),
  status: LeadStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/** The county's leads as the office tracks them (never what they say), and its overview by agency. */
export function leadRoutes(ctx: ServiceContext, tracker: Tracker): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/leads", (c) => {
    const q = readQuery(c, LeadQuery);
    const all = [...tracker.values()]
      .filter(
        (l) =>
          (!q.agency || l.originator === q.agency || l.sharedWith.includes(q.agency)) &&
          (!q.status || l.status === q.status),
      )
      .sort((a, b) => b.at.localeCompare(a.at));
    return c.json({
      items: all.slice(q.offset, q.offset + q.limit).map(trackedLead),
      total: all.length,
    });
  });
  app.get("/leads/:leadId", (c) => {
    const lead = tracker.get(c.req.param("leadId"));
    if (!lead) throw new ProblemError(404, "not-found", "未找到该线索");
    return c.json(trackedLead(lead));
  });
  app.get("/overview", (c) => {
    const byAgency: Record<string, { registered: number; received: number }> = {};
    for (const a of ctx.config.agencies) byAgency[a.code] = { registered: 0, received: 0 };
    for (const l of tracker.values()) {
      byAgency[l.originator] ??= { registered: 0, received: 0 };
      byAgency[l.originator]!.registered++;
      for (const to of l.deliveredTo) {
        byAgency[to] ??= { registered: 0, received: 0 };
        byAgency[to]!.received++;
      }
    }
    return c.json({ county: ctx.county, leads: tracker.size, byAgency });
  });
  return app;
}
