export * from "./officer.ts";
export * from "./register.ts";
