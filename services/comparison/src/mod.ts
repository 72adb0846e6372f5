export * from "./evaluate.ts";
export * from "./key-file.ts";
export * from "./rate-limit.ts";
export * from "./service.ts";
