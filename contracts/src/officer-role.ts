import { z } from "zod";

/**
 * An officer's role in their agency (经办人的职务). A supervisor or a deputy approves the
 * sensitive steps (unsealing an informant, paying a reward); a liaison officer does the rest.
 */
export const OfficerRole = z.enum(["liaison", "supervisor", "deputy"]);
export type OfficerRole = z.infer<typeof OfficerRole>;

/** Each role as a person reads it (GLOSSARY.md, 经办人). */
export const OFFICER_ROLE_LABELS: Record<OfficerRole, { zh: string; en: string }> = {
  liaison: { zh: "联络员", en: "liaison officer" },
  supervisor: { zh: "分管领导", en: "supervisor" },
  deputy: { zh: "副职领导", en: "deputy" },
};

/** Whether a role approves the sensitive steps: one rule, read by every service. */
export const approvesSensitiveSteps = (role: OfficerRole) => role !== "liaison";

/** The person an officer id stands for, as a step on the record names them (经办人). */
export const OfficerName = z.object({
  name: z.string().trim().min(1).max(32),
  role: OfficerRole,
});
export type OfficerName = z.infer<typeof OfficerName>;

/**
 * How a step names who took it: `张三（卫健联络员）`. `agencyShort`: the agency's short name as
 * the county configures it. A step of a service acting on its own, or one recorded before
 * officers were named, gives only its actor id.
 */
export function officerLabel(
  actor: string,
  officer: OfficerName | undefined,
  agencyShort: string | undefined,
  lang: "zh" | "en" = "zh",
): string {
  if (!officer) return actor;
  const role = OFFICER_ROLE_LABELS[officer.role][lang];
  return lang === "zh"
    ? `${officer.name}（${agencyShort ?? ""}${role}）`
    : `${officer.name} (${agencyShort ? `${agencyShort} ` : ""}${role})`;
}
