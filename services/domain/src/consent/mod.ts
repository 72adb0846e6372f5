export * from "./consent.ts";
export * from "./record.ts";
