import { createHash } from "node:crypto";
import { eventSubject } from "@liandong/contracts";
import type { LogEntry } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { CrossBorderReferrals } from "./referral-fold.ts";

const GZ = "620702";
const LZ = "620602";
const ID = "7d1f0a8e-1b2c-4d3e-8f40-5a6b7c8d9e0f";
let n = 0;

/** One step of a cross-border referral as the publishing county stores it, linked to `after`. */
function step(county: string, toCounty: string, type: string, data: object, after?: LogEntry) {
  const id = `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`;
  const bytes = Buffer.from(
    JSON.stringify({
      specversion: "1.0",
      id,
      source: `liandong:${county}:health`,
      type,
      time: "2026-11-02T00:00:00.000Z",
      subject: ID,
      county,
      agency: "health",
      actor: "health.liaison",
      aggregate: { kind: "referral", id: ID },
      to: "health",
      toCounty,
      correlationId: id,
      prev: after ? createHash("sha256").update(after.bytes).digest("hex") : null,
      data,
    }),
  );
  const subject = eventSubject({
    county,
    agency: "health",
    kind: "referral",
    id: ID,
    to: "health",
    toCounty,
  });
  return { seq: n, subject, bytes };
}

const offer = step(GZ, LZ, "referral.offered", {
  referralId: ID,
  kind: "handling",
  from: "health",
  to: "health",
  about: { kind: "lead", id: "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a" },
  reason: "诊所位于凉州区",
  acceptBy: "2026-11-05T00:00:00.000Z",
  completeBy: "2026-12-02T00:00:00.000Z",
  evidence: [],
});
const withdrawn = step(
  GZ,
  LZ,
  "referral.withdrawn",
  { referralId: ID, by: "health", reason: "撤回" },
  offer,
);
const accepted = step(LZ, GZ, "referral.accepted", { referralId: ID, by: "health" }, offer);
const completed = step(
  LZ,
  GZ,
  "referral.completed",
  { referralId: ID, by: "health", feedback: { actions: "查处", outcome: "罚款" } },
  accepted,
);

describe("referrals across the county line, folded in each county's log", () => {
  it("agree when both logs hold the same steps, in whatever order they arrived", () => {
    const folds = new CrossBorderReferrals();
    for (const e of [offer, withdrawn, accepted, completed]) folds.add(GZ, e);
    for (const e of [offer, accepted, completed, withdrawn]) folds.add(LZ, e);
    expect(folds.divergences()).toEqual({ diverged: [], pending: [] });
  });

  it("name the referral when one county's log lacks a step the other holds", () => {
    const folds = new CrossBorderReferrals();
    for (const e of [offer, accepted, completed]) folds.add(GZ, e);
    for (const e of [offer, accepted]) folds.add(LZ, e);
    const named = {
      referralId: ID,
      counties: {
        [GZ]: { status: "completed", holder: "health", holderCounty: LZ },
        [LZ]: { status: "accepted", holder: "health", holderCounty: LZ },
      },
    };
    expect(folds.divergences()).toEqual({
      diverged: [expect.objectContaining(named)],
      pending: [],
    });
    // Its own step, which its neighbour holds: pending only once crossCheck found it sent after
    // Liangzhou's log was read.
    const late = new Set([createHash("sha256").update(completed.bytes).digest("hex")]);
    expect(folds.divergences(late)).toEqual({
      diverged: [],
      pending: [expect.objectContaining(named)],
    });
  });

  it("hold a county whose log only lags behind as pending: the other's steps on their way", () => {
    // Ganzhou's log, read before Liangzhou's acceptance and completion reached it.
    const folds = new CrossBorderReferrals();
    for (const e of [offer]) folds.add(GZ, e);
    for (const e of [offer, accepted, completed]) folds.add(LZ, e);
    expect(folds.divergences()).toEqual({
      diverged: [],
      pending: [expect.objectContaining({ referralId: ID })],
    });
    // Not when the steps themselves disagree: Ganzhou withdrew, Liangzhou never saw it and
    // completed the referral; Ganzhou's own withdrawal missing from a log that holds what
    // Liangzhou did after it is no lag.
    const apart = new CrossBorderReferrals();
    for (const e of [offer, withdrawn]) apart.add(GZ, e);
    for (const e of [offer, accepted, completed]) apart.add(LZ, e);
    expect(apart.divergences().diverged).toEqual([expect.objectContaining({ referralId: ID })]);
  });
});
