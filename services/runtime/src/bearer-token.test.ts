import { describe, expect, it } from "vitest";
import { bearerToken } from "./officers.ts";

describe("a new bearer token", () => {
  it("is 24 random bytes in base64url and never begins with '-', which a command line reads as an option", () => {
    const seen = new Set<string>();
    // One in 64 base64url strings begins with '-': 20,000 draws would give ~300 of them.
    for (let i = 0; i < 20_000; i++) {
      const token = bearerToken();
      expect(token).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/);
      seen.add(token);
    }
    expect(seen.size).toBe(20_000);
  });
});
