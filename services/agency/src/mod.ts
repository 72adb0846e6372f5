export { agencyDesk } from "./desk.ts";
export { type AgencyRules, COMMON_SOURCES, DEFAULT_RULES } from "./rules.ts";
export { targetKey } from "./target-key.ts";
