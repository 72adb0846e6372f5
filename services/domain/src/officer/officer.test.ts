import { describe, expect, it } from "vitest";
import { fold, isRefusal } from "../decider.ts";
import { accountStatus, type OfficerEvent, officerDecider } from "./officer.ts";
import { OfficerRegister } from "./register.ts";

const at = "2025-03-01T00:00:00.000Z";
const account = {
  officerId: "health-1a2b3c4d",
  agency: "health",
  name: "张三",
  role: "liaison" as const,
  tokenSha256: "a".repeat(64),
  expiresAt: "2025-03-31T00:00:00.000Z",
};
const registered = officerDecider.decide(
  { type: "register", agency: "office", at, account },
  undefined,
) as OfficerEvent[];

describe("an officer's account (经办人)", () => {
  it("is registered by the office only, once", () => {
    expect(registered.map((e) => e.type)).toEqual(["officer.registered"]);
    const state = fold(officerDecider, registered);
    expect(
      officerDecider.decide({ type: "register", agency: "health", at, account }, undefined),
    ).toMatchObject({ refused: "forbidden" });
    expect(
      officerDecider.decide({ type: "register", agency: "office", at, account }, state),
    ).toMatchObject({ refused: "conflict" });
  });

  it("is renewed while it stands, and revoked once; a revoked account is not renewed", () => {
    const state = fold(officerDecider, registered);
    const renewed = officerDecider.decide(
      { type: "renew", agency: "office", at, expiresAt: "2025-05-01T00:00:00.000Z" },
      state,
    );
    expect(isRefusal(renewed)).toBe(false);
    const revoked = officerDecider.decide(
      { type: "revoke", agency: "office", at, reason: "调离" },
      state,
    ) as OfficerEvent[];
    const after = fold(officerDecider, [...registered, ...revoked]);
    expect(after?.revokedAt).toBe(at);
    for (const command of [
      { type: "revoke", agency: "office", at, reason: "再次" },
      { type: "renew", agency: "office", at, expiresAt: "2025-06-01T00:00:00.000Z" },
    ] as const)
      expect(officerDecider.decide(command, after)).toMatchObject({ refused: "conflict" });
    expect(
      officerDecider.decide({ type: "revoke", agency: "office", at, reason: "x" }, undefined),
    ).toMatchObject({ refused: "conflict" });
  });

  it("refuses a lifetime that ends before it begins", () => {
    expect(
      officerDecider.decide(
        { type: "register", agency: "office", at, account: { ...account, expiresAt: at } },
        undefined,
      ),
    ).toMatchObject({ refused: "invalid", field: "expiresAt" });
  });

  it("authenticates a token until it expires or is revoked, and says which", () => {
    const register = new OfficerRegister();
    const envelope = (e: OfficerEvent) =>
      ({ ...e, aggregate: { kind: "officer", id: account.officerId } }) as never;
    for (const e of registered) register.apply(envelope(e));
    const hash = account.tokenSha256;
    expect(register.authenticate(hash, new Date(at))).toMatchObject({ ok: true });
    expect(register.authenticate("b".repeat(64), new Date(at))).toEqual({
      ok: false,
      refused: "unknown",
    });
    expect(register.authenticate(hash, new Date(account.expiresAt))).toEqual({
      ok: false,
      refused: "expired",
    });
    // Only the office keeps the register: another agency's event is not taken.
    register.apply(
      envelope({
        type: "officer.revoked",
        time: at,
        agency: "health",
        data: { officerId: account.officerId, reason: "伪造" },
      }),
    );
    expect(register.authenticate(hash, new Date(at))).toMatchObject({ ok: true });
    const revoked = officerDecider.decide(
      { type: "revoke", agency: "office", at, reason: "调离" },
      register.get(account.officerId),
    ) as OfficerEvent[];
    for (const e of revoked) register.apply(envelope(e));
    expect(register.authenticate(hash, new Date(at))).toEqual({ ok: false, refused: "revoked" });
    expect(accountStatus(register.get(account.officerId)!, new Date(at))).toBe("revoked");
  });
});
