import { SAMPLE_EVENT, SAMPLE_LEAD_ID, SAMPLE_SUBJECT } from "@liandong/contracts/fixtures";
import { describe, expect, it } from "vitest";
import { checkMessage, retryDelayMs } from "./consumer.ts";
import { uuidFromName } from "./hash.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const leadId = SAMPLE_LEAD_ID;
const envelope = SAMPLE_EVENT;
const subject = SAMPLE_SUBJECT;

describe("checkMessage", () => {
  it("accepts an event whose envelope agrees with its subject", () => {
    expect(checkMessage(subject, enc(envelope)).ok).toBe(true);
  });
  it("names malformed JSON, unknown types and bad data", () => {
    expect(checkMessage(subject, new TextEncoder().encode("{not json"))).toMatchObject({
      ok: false,
      reason: "malformed-json",
    });
    expect(checkMessage(subject, enc({ ...envelope, type: "lead.teleported" }))).toMatchObject({
      ok: false,
      reason: "unknown-type",
    });
    expect(checkMessage(subject, enc({ ...envelope, data: { leadId } }))).toMatchObject({
      ok: false,
      reason: "invalid-data",
    });
  });
  it("refuses an envelope that claims another agency than its authenticated subject", () => {
    const forged = {
      ...envelope,
      agency: "public-security",
      source: "liandong:441723:public-security",
    };
    expect(checkMessage(subject, enc(forged))).toMatchObject({
      ok: false,
      reason: "subject-mismatch",
    });
    expect(
      checkMessage(`ld.ev.441723.health.lead.${leadId}.commerce`, enc(envelope)),
    ).toMatchObject({ ok: false, reason: "subject-mismatch" });
  });
  it("checks every token, the addressee and the county across the line included", () => {
    const across = { ...envelope, to: "commerce", toCounty: "620702" };
    const home = `ld.ev.441723.health.lead.${leadId}`;
    expect(checkMessage(`${home}.commerce.620702`, enc(across)).ok).toBe(true);
    for (const wrong of [
      `${home}.commerce`,
      `${home}.commerce.620722`,
      `${home}._.620702`,
      `${home}.commerce.620702.x`,
      `ld.ev.441702.health.lead.${leadId}.commerce.620702`,
      `ld.ev.441723.health.referral.${leadId}.commerce.620702`,
      `ld.ev.441723.health.lead.${uuidFromName("other")}.commerce.620702`,
      `ld.xx.441723.health.lead.${leadId}.commerce.620702`,
    ])
      expect(checkMessage(wrong, enc(across)), wrong).toMatchObject({
        ok: false,
        reason: "subject-mismatch",
      });
    expect(checkMessage(`${home}._.620702`, enc({ ...envelope, toCounty: "620702" })).ok).toBe(
      true,
    );
  });
});

describe("retryDelayMs", () => {
  it("backs off exponentially and is capped", () => {
    expect(retryDelayMs(1)).toBe(200);
    expect(retryDelayMs(2)).toBe(400);
    expect(retryDelayMs(50)).toBe(30_000);
  });
});

describe("uuidFromName", () => {
  it("is stable for a name, different across names, and a valid UUID", () => {
    expect(uuidFromName("a")).toBe(uuidFromName("a"));
    expect(uuidFromName("a")).not.toBe(uuidFromName("b"));
    expect(uuidFromName("a")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
