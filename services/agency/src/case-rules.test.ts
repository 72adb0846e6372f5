import { CountyConfig } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { checkSanctions } from "./case-rules.ts";

const config = CountyConfig.parse({ county: "441723" });
const health = {
  mayOriginate: [],
  sanctions: ["fine", "revoke-practising-certificate", "transfer-to-judiciary"] as const,
};
const now = new Date("2026-11-01T00:00:00Z");

describe("checkSanctions", () => {
  it("accepts what the agency may impose and fills in decree No. 310 deadlines", () => {
    const r = checkSanctions(
      [
        { kind: "fine", amountYuan: 30000, against: "某医生" },
        { kind: "transfer-to-judiciary", against: "某医生" },
      ],
      { ...health, sanctions: [...health.sanctions] },
      config,
      now,
    );
    expect(r).toMatchObject({
      ok: true,
      sanctions: [
        { kind: "fine" },
        {
          kind: "transfer-to-judiciary",
          decideBy: "2026-11-04T00:00:00.000Z",
          transferBy: "2026-11-05T00:00:00.000Z",
        },
      ],
    });
  });
  it("refuses a sanction the agency may not impose and a fine outside the legal range, naming the fields", () => {
    const r = checkSanctions(
      [
        { kind: "birth-permit-sanction", against: "某人", detail: "三年内不予安排生育" },
        { kind: "fine", amountYuan: 50000, against: "某诊所" },
      ],
      { ...health, sanctions: [...health.sanctions] },
      config,
      now,
    );
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual([
      "sanctions.0.kind",
      "sanctions.1.amountYuan",
    ]);
  });
});
