export * from "./record.ts";
export * from "./supervision.ts";
