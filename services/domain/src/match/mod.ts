export * from "./facts.ts";
export * from "./lead.ts";
export * from "./rules.ts";
