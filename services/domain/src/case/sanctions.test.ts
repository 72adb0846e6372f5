import { CountyConfig, DEFAULT_SANCTIONS, sanctionsOf } from "@liandong/contracts";
import { describe, expect, it } from "vitest";
import { checkSanctions, sanctionFigures } from "./sanctions.ts";

describe("who may impose what (GLOSSARY.md, sanction)", () => {
  const config = CountyConfig.parse({ county: "441723" });
  it.each([
    ["health", "revoke-institution-licence", true],
    ["health", "revoke-business-licence", false],
    ["commerce", "revoke-business-licence", true],
    ["commerce", "close-unlicensed-operator", true],
    ["commerce", "revoke-institution-licence", false],
    ["drug-regulation", "confiscate-drugs", true],
    ["family-planning", "birth-permit-sanction", true],
    ["public-security", "transfer-to-judiciary", true],
    ["public-security", "fine", false],
    ["womens-federation", "fine", false],
  ])("%s may impose %s: %s", (agency, kind, may) => {
    expect(sanctionsOf(config, agency).includes(kind as never)).toBe(may);
  });

  it("a county adds an agency's sanctions by configuration, and replaces a row", () => {
    const configured = CountyConfig.parse({
      county: "441723",
      sanctions: { procuratorate: ["transfer-to-judiciary"], health: ["fine"] },
    });
    expect(sanctionsOf(configured, "procuratorate")).toEqual(["transfer-to-judiciary"]);
    expect(sanctionsOf(configured, "health")).toEqual(["fine"]);
    expect(sanctionsOf(configured, "commerce")).toEqual(DEFAULT_SANCTIONS.commerce);
    const r = checkSanctions(
      [{ kind: "revoke-practising-certificate", against: "某医生" }],
      "health",
      configured,
      "2026-11-01T00:00:00Z",
    );
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual(["sanctions.0.kind"]);
  });
});

describe("sanctionFigures", () => {
  it("counts fines in yuan, licences revoked (commerce's business licence too) and transfers", () => {
    expect(
      sanctionFigures([
        { kind: "fine", amountYuan: 20_000, against: "a" },
        { kind: "fine", amountYuan: 5_000, against: "b" },
        { kind: "revoke-practising-certificate", against: "a" },
        { kind: "revoke-business-licence", against: "c" },
        { kind: "close-unlicensed-operator", against: "d" },
        { kind: "transfer-to-judiciary", against: "a" },
      ]),
    ).toEqual({ finesYuan: 25_000, revocations: 2, judiciaryTransfers: 1 });
  });
});
