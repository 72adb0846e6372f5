import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { SupervisionSubject } from "./events-supervision.ts";
import { Text } from "./text.ts";

/** The office issues a supervision order (督办): on an overdue referral, or a major case. */
export const SupervisionOrderRequest = z.object({
  about: SupervisionSubject,
  reason: Text(2000),
  /** Days the addressed agency has to answer; the configured default when absent. */
  answerWithinDays: z.number().positive().max(90).optional(),
});

/** The addressed agency answers (督办回复). */
export const SupervisionAnswerRequest = z.object({
  answer: Text(4000),
});

/**
 * 上下联动: the county's office passes an order of its city's office on to an agency (转督办): by
 * default the agency whose case it is about, its answer due by the city's deadline at the latest.
 */
export const SupervisionForwardRequest = z.object({
  to: AgencyCode.optional(),
  /** What the office adds for the agency; the city's reason when absent. */
  reason: Text(2000).optional(),
  answerWithinDays: z.number().positive().max(90).optional(),
});

export const SupervisionStatus = z.enum(["open", "answered", "escalated"]);

/** A supervision order as the office and the addressed agency see it. */
export const SupervisionOrderView = z.object({
  orderId: z.uuid(),
  about: SupervisionSubject,
  to: AgencyCode,
  grounds: z.enum(["overdue", "major-case"]),
  reason: z.string(),
  orderedAt: z.string(),
  answerBy: z.string(),
  status: SupervisionStatus,
  /** 1 when issued, higher after each escalation. */
  level: z.number().int(),
  answer: z.string().optional(),
  answeredAt: z.string().optional(),
  /** 上下联动: the city's office that issued it, and the county whose office it is addressed to. */
  by: AgencyCode.optional(),
  byCounty: z.string().optional(),
  toCounty: z.string().optional(),
  /** The city's order this one passes on to an agency (转督办). */
  forwards: z.uuid().optional(),
});
export type SupervisionOrderView = z.infer<typeof SupervisionOrderView>;
