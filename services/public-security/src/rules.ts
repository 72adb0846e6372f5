import { type AgencyRules, COMMON_SOURCES } from "@liandong/agency";

/** 公安机关: the lead sources it originates (GLOSSARY.md, 线索来源). */
export const rules: AgencyRules = {
  mayOriginate: [...COMMON_SOURCES, "birth-data-comparison"],
};
