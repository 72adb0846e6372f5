import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { TargetInput } from "./lead.ts";
import { Text } from "./text.ts";

const Day = z.iso.date();

/**
 * A joint inspection (联合检查) the office plans: participating agencies, targets, dates. One
 * event per participant, addressed to it, on the inspection's aggregate.
 */
export const InspectionPlanned = z.object({
  inspectionId: z.uuid(),
  title: Text(200),
  agencies: z.array(AgencyCode).min(1).max(20),
  targets: z.array(TargetInput).min(1).max(200),
  startsOn: Day,
  endsOn: Day,
  to: AgencyCode,
});

const Count = z.number().int().min(0).max(1_000_000);

/** What one participating agency found (检查结果); leads it registered from them are named. */
export const InspectionFindings = z.object({
  institutionsChecked: Count,
  /** Ultrasound machines sealed (封存B超机). */
  devicesSealed: Count,
  /** Drugs confiscated, in boxes (查扣药品). */
  drugsConfiscated: Count,
  /** Illegal adverts removed (清理广告). */
  advertsRemoved: Count,
  problems: z.array(Text(500)).max(100).default([]),
  /** Leads this agency registered from what it found. */
  leads: z.array(z.uuid()).max(100).default([]),
});
export type InspectionFindings = z.infer<typeof InspectionFindings>;

export const InspectionFindingsRecorded = InspectionFindings.extend({
  inspectionId: z.uuid(),
  by: AgencyCode,
});

/** The office's request to plan one. */
export const InspectionPlanRequest = InspectionPlanned.omit({
  inspectionId: true,
  to: true,
}).refine((p) => p.startsOn <= p.endsOn, {
  message: "endsOn is before startsOn",
  path: ["endsOn"],
});
