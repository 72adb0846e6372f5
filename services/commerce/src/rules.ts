import { type AgencyRules, COMMON_SOURCES } from "@liandong/agency";

/** 工商行政管理部门（市场监管）: the lead sources it originates (GLOSSARY.md, 线索来源). */
export const rules: AgencyRules = {
  mayOriginate: [...COMMON_SOURCES, "ultrasound-registry"],
};
