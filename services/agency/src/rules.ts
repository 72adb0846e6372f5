import type { LeadSource } from "@liandong/contracts";

/**
 * What one agency's service decides for itself; the desk applies it. The sanctions an agency
 * may impose are the county's configuration (`CountyConfig.sanctions`, defaults in
 * `DEFAULT_SANCTIONS`), decided by the domain's case aggregate.
 */
export type AgencyRules = {
  /** Lead sources this agency may originate (GLOSSARY.md, 线索来源). */
  mayOriginate: readonly LeadSource[];
};

/** Any agency may receive a tip from the public, record an inspection finding or a neighbour's notice. */
export const COMMON_SOURCES: readonly LeadSource[] = [
  "public-tip",
  "inspection",
  "neighbour-county",
];

/** For an agency added by configuration only (妇联, 检察院…): the common sources. */
export const DEFAULT_RULES: AgencyRules = { mayOriginate: COMMON_SOURCES };
