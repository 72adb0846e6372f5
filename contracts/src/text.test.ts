import { describe, expect, it } from "vitest";
import { LeadRegistration } from "./api.ts";
import { IdempotencyKey, PlainText, Text } from "./text.ts";

const T = Text(20);

describe("Text", () => {
  it("normalises to NFC and trims", () => {
    expect(T.parse("  e\u0301  ")).toBe("\u00e9");
  });

  it("refuses a lone surrogate, high or low, and keeps a pair", () => {
    expect(T.safeParse("a\uD800b").success).toBe(false);
    expect(T.safeParse("a\uDC00").success).toBe(false);
    expect(T.safeParse("\uDC00\uD800").success).toBe(false);
    expect(T.parse("举报\uD83D\uDE00")).toBe("举报\uD83D\uDE00");
  });

  it("refuses text of invisible characters only, with one issue", () => {
    for (const s of ["\u200B\u200B", "\u200C \u200D", "\u2060\uFEFF", "\u3000", " \t\n"]) {
      const r = T.safeParse(s);
      expect(r.success, JSON.stringify(s)).toBe(false);
      expect(r.error?.issues).toHaveLength(1);
    }
    expect(T.parse("\u200B线索\u200B")).toBe("\u200B线索\u200B");
  });

  it("counts the normalised text against the limit", () => {
    expect(Text(1).safeParse("e\u0301").success).toBe(true);
    expect(Text(1).safeParse("ab").success).toBe(false);
  });
});

describe("PlainText", () => {
  it("may be empty, but not ill-formed", () => {
    expect(PlainText(10).parse(" ")).toBe("");
    expect(PlainText(10).safeParse("\uD800").success).toBe(false);
  });
});

describe("the HTTP bodies use it", () => {
  const lead = {
    source: "record-audit",
    violations: ["intermediary"],
    target: { kind: "institution", name: "某诊所", county: "441723" },
    summary: "ok",
  };
  it("a lead's summary, target name and informant name", () => {
    const fields = (body: unknown) =>
      LeadRegistration.safeParse(body).error?.issues.map((i) => i.path.join("."));
    expect(fields({ ...lead, summary: "\u200B\u200B\u200B" })).toEqual(["summary"]);
    expect(fields({ ...lead, target: { ...lead.target, name: "x\uDFFF" } })).toEqual([
      "target.name",
    ]);
    expect(fields({ ...lead, informant: { name: "\uFEFF", rewardEligible: false } })).toEqual([
      "informant.name",
    ]);
  });
});

describe("IdempotencyKey", () => {
  it("1 to 100 visible ASCII characters", () => {
    expect(IdempotencyKey.safeParse("demo:s1-lead").success).toBe(true);
    expect(IdempotencyKey.safeParse(crypto.randomUUID()).success).toBe(true);
    expect(IdempotencyKey.safeParse("k".repeat(100)).success).toBe(true);
    for (const bad of ["", "k".repeat(101), "a b", "键", "a\tb"])
      expect(IdempotencyKey.safeParse(bad).success, bad).toBe(false);
  });
});
