import { type BusEvent, InspectionFindings, OFFICE } from "@liandong/contracts";
import {
  type AggregateLog,
  type Clock,
  type HttpEnv,
  ProblemError,
  readJson,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import type { Hono } from "hono";
import type { DeskStore } from "./desk-store.ts";

/** Records a joint inspection the office planned with this agency among the participants. */
export async function recordInspection(store: DeskStore, agency: string, e: BusEvent) {
  if (e.type !== "inspection.planned") return;
  if (e.agency !== OFFICE)
    throw new ValidationError("not-entitled", `${e.agency} may not plan joint inspections`);
  if (e.data.to !== agency || !e.data.agencies.includes(agency))
    throw new ValidationError("misaddressed", "inspection plan addressed to another agency");
  if (store.inspections.has(e.data.inspectionId)) return;
  const { inspectionId, title, agencies, targets, startsOn, endsOn } = e.data;
  await store.saveInspection({ inspectionId, title, agencies, targets, startsOn, endsOn });
}

/** This agency's joint inspections and its findings on them (检查结果). */
export function mountInspections(
  app: Hono<HttpEnv>,
  deps: { agency: string; store: DeskStore; log: AggregateLog; clock: Clock },
) {
  const { agency, store, log, clock } = deps;
  app.get("/inspections", (c) => {
    const items = [...store.inspections.values()].sort((a, b) =>
      b.startsOn.localeCompare(a.startsOn),
    );
    return c.json({ items, total: items.length });
  });
  app.post("/inspections/:inspectionId/findings", async (c) => {
    const officer = c.get("officer");
    const findings = await readJson(c, InspectionFindings);
    const inspection = store.inspections.get(c.req.param("inspectionId"));
    if (!inspection) throw new ProblemError(404, "not-found", "未找到该联合检查");
    if (inspection.findings) return c.json(inspection, 200);
    for (const [i, leadId] of findings.leads.entries()) {
      if (store.lead(leadId)?.originator !== agency)
        throw new ValidationError("invalid-body", "a lead this agency did not register", [
          { field: `leads.${i}`, message: "not a lead registered by this agency" },
        ]);
    }
    await log.append({
      type: "inspection.findings-recorded",
      id: uuidFromName(`inspection-findings:${inspection.inspectionId}:${agency}`),
      actor: officer.id,
      aggregate: {
        kind: "inspection",
        id: uuidFromName(`inspection:${inspection.inspectionId}:${agency}`),
      },
      to: OFFICE,
      data: { ...findings, inspectionId: inspection.inspectionId, by: agency },
    });
    const saved = { ...inspection, findings: { ...findings, recordedAt: clock().toISOString() } };
    await store.saveInspection(saved);
    return c.json(saved, 201);
  });
}
