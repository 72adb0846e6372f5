import { describe, expect, it } from "vitest";
import { officeClient, UsageError } from "./office-client.ts";

describe("the office's client", () => {
  it("refuses a token pasted wrong as a usage error, not as a connection that failed", () => {
    for (const pasted of ['{\n  "officer": "office.liaison"', "令牌", "abc def", "abc\n"])
      expect(() => officeClient("http://127.0.0.1:1", pasted)).toThrow(UsageError);
    expect(() =>
      officeClient("http://127.0.0.1:1", "bCT0SdHKar-WNB6JxrFQU6TlxNZjgL67"),
    ).not.toThrow();
    expect(() => officeClient("http://127.0.0.1:1")).not.toThrow();
  });
});
