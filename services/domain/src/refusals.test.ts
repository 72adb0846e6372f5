// The domain's one catalogue of refusals: every code said in Chinese and in English, with the
// same places to fill in both; a refusal put in words in the reader's language.
import { describe, expect, it } from "vitest";
import { refusalMessage, refusalTexts, refuse } from "./decider.ts";
import { REFUSALS, type RefusalCode } from "./refusals.ts";

const places = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the refusals' catalogue", () => {
  it("says every code in Chinese and in English, with the same places in both", () => {
    for (const [code, { zh, en }] of Object.entries(REFUSALS)) {
      expect(zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(en, code).toMatch(/^[\x20-\x7e–]+$/);
      expect(places(zh), code).toEqual(places(en));
    }
  });

  it("codes are aggregate.kebab-case: stable names for tests and tooling", () => {
    for (const code of Object.keys(REFUSALS) as RefusalCode[])
      expect(code).toMatch(/^[a-z-]+\.[a-z0-9-]+$/);
  });
});

describe("a refusal in words", () => {
  it("Chinese by default, English when asked, its parameters filled in each language", () => {
    const r = refuse("conflict", "referral.status", { status: { zh: "已接收", en: "accepted" } });
    expect(r).toEqual({
      refused: "conflict",
      code: "referral.status",
      params: { status: { zh: "已接收", en: "accepted" } },
    });
    expect(refusalMessage(r)).toBe("该移交已接收");
    expect(refusalMessage(r, "en")).toBe("referral is accepted");
  });

  it("a field named last; what a refusal rests on said after it", () => {
    const blank = refuse("invalid", "text.blank", "reason");
    expect(blank).toMatchObject({ code: "text.blank", field: "reason" });
    expect(refusalTexts({ ...blank, code: "consent.reason-needed", because: blank })).toEqual({
      zh: "不同意须说明理由：内容为空：只有空白或不可见字符",
      en: "a refusal needs a reason: empty: nothing but whitespace or invisible characters",
    });
  });
});
