export * from "./informant.ts";
export * from "./record.ts";
