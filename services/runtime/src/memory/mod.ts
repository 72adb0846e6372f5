// The runtime's ports in memory: a county without nats-server, for tests in milliseconds.
export * from "./memory-bucket.ts";
export * from "./memory-bus.ts";
export * from "./memory-county.ts";
export * from "./memory-publisher.ts";
export * from "./memory-streams.ts";
export * from "./subject-match.ts";
