import {
  type BusEvent,
  type InspectionFindings,
  InspectionPlanRequest,
  OFFICE,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type HttpEnv,
  officerAuth,
  readJson,
  type ServiceContext,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import type { Hono } from "hono";

/** A joint inspection as the office tracks it, with each participant's findings. */
export type TrackedInspection = {
  inspectionId: string;
  title: string;
  agencies: string[];
  targets: { kind: string; name: string; county: string }[];
  startsOn: string;
  endsOn: string;
  plannedAt: string;
  findings: Record<string, InspectionFindings & { recordedAt: string }>;
};
export type Inspections = Map<string, TrackedInspection>;

/** Pure: the inspections after one event. */
export function evolveInspections(t: Inspections, e: BusEvent): void {
  if (e.type === "inspection.planned" && e.agency === OFFICE) {
    if (t.has(e.data.inspectionId)) return;
    const { inspectionId, title, agencies, targets, startsOn, endsOn } = e.data;
    t.set(inspectionId, {
      inspectionId,
      title,
      agencies,
      targets,
      startsOn,
      endsOn,
      plannedAt: e.time,
      findings: {},
    });
    return;
  }
  if (e.type === "inspection.findings-recorded") {
    const i = t.get(e.data.inspectionId);
    // Only a participant records findings, as itself, once.
    if (!i || e.data.by !== e.agency || !i.agencies.includes(e.agency) || i.findings[e.agency])
      return;
    const { inspectionId: _, by: __, ...findings } = e.data;
    i.findings[e.agency] = { ...findings, recordedAt: e.time };
  }
}

/** The office plans joint inspections (联合检查) and follows their findings. */
export function mountInspections(
  app: Hono<HttpEnv>,
  ctx: ServiceContext,
  deps: { log: AggregateLog; inspections: Inspections },
) {
  const auth = officerAuth(ctx.officers, ctx.agency);
  app.use("/inspections", auth);
  app.use("/inspections/*", auth);
  app.post("/inspections", async (c) => {
    const officer = c.get("officer");
    const plan = await readJson(c, InspectionPlanRequest);
    const known = new Set(ctx.config.agencies.map((a) => a.code));
    plan.agencies.forEach((a, i) => {
      if (!known.has(a) || a === ctx.agency)
        throw new ValidationError("invalid-body", "not a participating agency of this county", [
          { field: `agencies.${i}`, message: "an agency of this county, not the office" },
        ]);
    });
    const key = c.req.header("idempotency-key");
    const inspectionId = key
      ? uuidFromName(`office:inspection:${officer.id}:${key}`)
      : crypto.randomUUID();
    const existing = deps.inspections.get(inspectionId);
    if (existing) return c.json(existing, 200);
    const agencies = [...new Set(plan.agencies)];
    // One plan per participant, addressed to it: each finds it in its inbox.
    for (const to of agencies) {
      await deps.log.append({
        type: "inspection.planned",
        id: uuidFromName(`inspection-planned:${inspectionId}:${to}`),
        actor: officer.id,
        aggregate: { kind: "inspection", id: inspectionId },
        to,
        data: { ...plan, agencies, inspectionId, to },
      });
    }
    return c.json(
      deps.inspections.get(inspectionId) ?? {
        inspectionId,
        ...plan,
        agencies,
        plannedAt: ctx.clock().toISOString(),
        findings: {},
      },
      201,
    );
  });
  app.get("/inspections", (c) => {
    const items = [...deps.inspections.values()].sort((a, b) =>
      b.startsOn.localeCompare(a.startsOn),
    );
    return c.json({ items, total: items.length });
  });
}
