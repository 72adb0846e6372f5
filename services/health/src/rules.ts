import { type AgencyRules, COMMON_SOURCES } from "@liandong/agency";

/** 卫生健康部门: the lead sources it originates (GLOSSARY.md, 线索来源). */
export const rules: AgencyRules = {
  mayOriginate: [...COMMON_SOURCES, "record-audit", "drug-ledger-anomaly", "ultrasound-registry"],
};
