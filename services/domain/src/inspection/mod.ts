export * from "./inspection.ts";
export * from "./record.ts";
