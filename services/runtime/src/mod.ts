// @liandong/runtime — plumbing every service is built on. No business rules here.
export * from "./aggregate-log.ts";
export * from "./audit-verify.ts";
export * from "./clock.ts";
export * from "./connect.ts";
export * from "./consumer.ts";
export * from "./errors.ts";
export * from "./hash.ts";
export * from "./hash-chain.ts";
export * from "./http.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./publisher.ts";
export * from "./sealer.ts";
export * from "./service.ts";
export * from "./service-env.ts";
export * from "./signing.ts";
export * from "./streams.ts";
