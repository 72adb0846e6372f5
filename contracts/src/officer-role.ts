import { z } from "zod";

/**
 * An officer's role in their agency (经办人的职务). A supervisor or a deputy approves the
 * sensitive steps (unsealing an informant, paying a reward); a liaison officer does the rest.
 */
export const OfficerRole = z.enum(["liaison", "supervisor", "deputy"]);
export type OfficerRole = z.infer<typeof OfficerRole>;

/** Whether a role approves the sensitive steps: one rule, read by every service. */
export const approvesSensitiveSteps = (role: OfficerRole) => role !== "liaison";

/** The person an officer id stands for, as a step on the record names them (经办人). */
export const OfficerName = z.object({
  name: z.string().trim().min(1).max(32),
  role: OfficerRole,
});
export type OfficerName = z.infer<typeof OfficerName>;
