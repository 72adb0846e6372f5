export { agencyDesk } from "./desk.ts";
export { COMMON_SOURCES, DEFAULT_RULES, type AgencyRules } from "./rules.ts";
export { targetKey } from "./target-key.ts";
