import { describe, expect, it } from "vitest";
import { transientWriteError } from "./kv-retry.ts";

describe("a bucket write's failure", () => {
  it("is transient while the bucket has no leader or does not answer in time", () => {
    const noResponders = Object.assign(new Error("jetstream is not enabled: no responders"), {
      name: "JetStreamNotEnabled",
    });
    expect(transientWriteError(noResponders)).toBe(true);
    expect(transientWriteError(new Error("TIMEOUT"))).toBe(true);
    expect(transientWriteError(new Error("wrong last sequence: 12"))).toBe(false);
    expect(transientWriteError(new Error("permissions violation"))).toBe(false);
  });
});
