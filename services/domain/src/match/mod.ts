export * from "./facts.ts";
export * from "./rules.ts";
