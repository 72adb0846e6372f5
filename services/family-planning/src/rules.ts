import { type AgencyRules, COMMON_SOURCES } from "@liandong/agency";

/** 人口和计划生育部门: the lead sources it originates (GLOSSARY.md, 线索来源). */
export const rules: AgencyRules = {
  mayOriginate: [...COMMON_SOURCES, "pregnancy-disappearance", "birth-data-comparison"],
};
