import { z } from "zod";
import type { Label } from "./labels.ts";

/** An agency code: lower-case identifier from GLOSSARY.md, e.g. `public-security`. */
export const AgencyCode = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "agency code: lower-case letters, digits and hyphens");
export type AgencyCode = z.infer<typeof AgencyCode>;

export const OFFICE = "office" as const;

export const Agency = z.object({
  code: AgencyCode,
  /** The Chinese label people read. */
  name: z.string().min(1),
  shortName: z.string().min(1),
  /** The office coordinates; it registers no leads of its own. */
  role: z.enum(["agency", "office"]).default("agency"),
});
export type Agency = z.infer<typeof Agency>;

/**
 * The six of GLOSSARY.md. More (妇联, 纪检监察, 检察院, 法院) are added by configuration:
 * nothing in the code enumerates agencies.
 */
export const DEFAULT_AGENCIES: readonly Agency[] = [
  { code: "health", name: "卫生健康部门", shortName: "卫健", role: "agency" },
  { code: "family-planning", name: "人口和计划生育部门", shortName: "计生", role: "agency" },
  { code: "public-security", name: "公安机关", shortName: "公安", role: "agency" },
  { code: "drug-regulation", name: "食品药品监督管理部门", shortName: "药监", role: "agency" },
  { code: "commerce", name: "工商行政管理部门（市场监管）", shortName: "市场监管", role: "agency" },
  { code: OFFICE, name: "领导小组办公室", shortName: "领导小组办公室", role: "office" },
];

/** An agency's short name (卫健, 公安…) among `agencies` (the county's configured, by default the six). */
export function shortNameOf(
  code: string,
  agencies: readonly Pick<Agency, "code" | "shortName">[] = DEFAULT_AGENCIES,
): string | undefined {
  return agencies.find((a) => a.code === code)?.shortName;
}

/**
 * An agency as a person reads it in a sentence: its Chinese name (the six's, else its code), its
 * code in English (the identifier English readers of the log and the tools know it by).
 */
export function agencyLabel(code: string): Label {
  return { zh: DEFAULT_AGENCIES.find((a) => a.code === code)?.name ?? code, en: code };
}
