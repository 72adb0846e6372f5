import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { CountyCode } from "./county.ts";

/** What a supervision order is about: an overdue referral, or a major case. */
export const SupervisionSubject = z.object({ kind: z.enum(["referral", "case"]), id: z.uuid() });

/**
 * A supervision order (督办) from the leading group's office to one agency, with its own
 * deadline for an answer. Recorded on the `supervision` aggregate of what it is about; the
 * office's scheduler escalates it when no answer came in time.
 */
export const SupervisionOrdered = z.object({
  orderId: z.uuid(),
  about: SupervisionSubject,
  to: AgencyCode,
  grounds: z.enum(["overdue", "major-case"]),
  reason: z.string().trim().min(1).max(2000),
  answerBy: z.iso.datetime({ offset: true }),
  /**
   * 上下联动: an order of the city's office (`by`, of `byCounty`) to a county's office (`to`, of
   * `toCounty`). Absent: the county's own office to one of its agencies.
   */
  by: AgencyCode.optional(),
  byCounty: CountyCode.optional(),
  toCounty: CountyCode.optional(),
  /**
   * 上下联动: the order of its city's office this one passes on (转督办), from the county's office
   * to the agency whose case it is about; its answer goes back up as the office's answer to it.
   */
  forwards: z.uuid().optional(),
});

/** The addressed agency's answer to a supervision order (督办回复). */
export const SupervisionAnswered = z.object({
  orderId: z.uuid(),
  about: SupervisionSubject,
  by: AgencyCode,
  answer: z.string().trim().min(1).max(4000),
});

/** No answer came before `answerBy`: the order is escalated (升级督办). */
export const SupervisionEscalated = z.object({
  orderId: z.uuid(),
  about: SupervisionSubject,
  to: AgencyCode,
  level: z.number().int().min(2).max(9),
  reason: z.string().max(1000),
});
