import { type AgencyRules, COMMON_SOURCES } from "@liandong/agency";

/** 食品药品监督管理部门: the lead sources it originates (GLOSSARY.md, 线索来源). */
export const rules: AgencyRules = {
  mayOriginate: [...COMMON_SOURCES, "drug-ledger-anomaly"],
};
