import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["contracts/**/*.test.ts", "services/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ".liandong/**"],
    // Integration tests start real nats-server processes; two cores, so a few files at a time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
