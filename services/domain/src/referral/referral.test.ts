import { describe, expect, it } from "vitest";
import { actorTests } from "../testing.ts";
import { type ReferralCommand, type ReferralState, referralDecider } from "./referral.ts";

const offer = {
  referralId: "7d1f0a8e-1b2c-4d3e-8f40-5a6b7c8d9e0f",
  kind: "handling" as const,
  from: "family-planning",
  to: "health",
  about: { kind: "lead" as const, id: "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a" },
  reason: "孕情不明原因消失，请核查",
  acceptBy: "2026-11-04T00:00:00Z",
  completeBy: "2026-12-01T00:00:00Z",
  evidence: [],
};
const none: ReferralState = { status: "none" };
const now = new Date("2026-11-01T00:00:00Z");

const as = (agency: string) => ({ agency });
const referral = actorTests(referralDecider, {
  byDefault: as("health"),
  party: as,
  publish: (e) => e,
});

/** The state after each command, by its agency, is taken in turn. */
function run(cmds: [ReferralCommand, string][]): ReferralState {
  return cmds.reduce((state, [cmd, actor]) => referral.run(state, cmd, as(actor)), none);
}

/** Why `actor` may not give `cmd` on `state`. */
const refused = (cmd: ReferralCommand, state: ReferralState, actor: string) =>
  referral.refusal(state, cmd, as(actor));

describe("referral hand-offs", () => {
  it("offer, accept, complete: the holder moves from sender to addressee", () => {
    const offered = run([[{ type: "offer", data: offer, now }, "family-planning"]]);
    expect(offered).toMatchObject({ status: "offered", holder: "family-planning" });
    const done = run([
      [{ type: "offer", data: offer, now }, "family-planning"],
      [{ type: "accept" }, "health"],
      [
        { type: "complete", feedback: { actions: "立案调查", outcome: "吊销执业许可证" } },
        "health",
      ],
    ]);
    expect(done).toMatchObject({ status: "completed", holder: "health", version: 3 });
  });

  it("only the addressee accepts or returns; only the sender withdraws", () => {
    const offered = run([[{ type: "offer", data: offer, now }, "family-planning"]]);
    expect(refused({ type: "accept" }, offered, "family-planning")).toMatchObject({
      refused: "forbidden",
    });
    expect(refused({ type: "accept" }, offered, "commerce")).toMatchObject({
      refused: "forbidden",
    });
    expect(refused({ type: "return", reason: "x" }, offered, "public-security")).toMatchObject({
      refused: "forbidden",
    });
    expect(refused({ type: "withdraw", reason: "x" }, offered, "health")).toMatchObject({
      refused: "forbidden",
    });
    expect(refused({ type: "offer", data: offer, now }, none, "health")).toMatchObject({
      refused: "forbidden",
    });
  });

  it("a withdraw after acceptance, or a second accept, is a conflict", () => {
    const accepted = run([
      [{ type: "offer", data: offer, now }, "family-planning"],
      [{ type: "accept" }, "health"],
    ]);
    expect(
      refused({ type: "withdraw", reason: "晚了" }, accepted, "family-planning"),
    ).toMatchObject({ refused: "conflict" });
    expect(refused({ type: "accept" }, accepted, "health")).toMatchObject({
      refused: "conflict",
    });
    expect(refused({ type: "return", reason: "x" }, accepted, "health")).toMatchObject({
      refused: "conflict",
    });
  });

  it("is referred on only by the holder after acceptance, never to itself", () => {
    const accepted = run([
      [{ type: "offer", data: offer, now }, "family-planning"],
      [{ type: "accept" }, "health"],
    ]);
    const child = "9c2e1b0a-0000-4000-8000-000000000001";
    expect(
      refused({ type: "refer-on", childReferralId: child, to: "health" }, accepted, "health"),
    ).toMatchObject({
      refused: "invalid",
    });
    const out = referralDecider.decide(
      {
        command: { type: "refer-on", childReferralId: child, to: "commerce" },
        actor: as("health"),
      },
      accepted,
    );
    expect(Array.isArray(out) && out[0]).toMatchObject({
      type: "referral.referred-on",
      data: { childReferralId: child, to: "commerce" },
    });
  });

  it("whatever anyone tries, exactly one of the two parties holds it at every step", () => {
    const actors = ["family-planning", "health", "commerce"];
    const commands: ReferralCommand[] = [
      { type: "accept" },
      { type: "return", reason: "不属本部门职责" },
      { type: "withdraw", reason: "撤回" },
      { type: "complete", feedback: { actions: "核查", outcome: "属实" } },
      { type: "refer-on", childReferralId: "9c2e1b0a-0000-4000-8000-000000000002", to: "commerce" },
    ];
    // Every sequence of three attempts after the offer, by every actor.
    const attempts = commands.flatMap((c) => actors.map((a) => [c, a] as const));
    for (const a of attempts) {
      for (const b of attempts) {
        for (const c of attempts) {
          let state = run([[{ type: "offer", data: offer, now }, "family-planning"]]);
          for (const [cmd, actor] of [a, b, c]) {
            const out = referralDecider.decide({ command: cmd, actor: as(actor) }, state);
            if (Array.isArray(out)) state = out.reduce(referralDecider.evolve, state);
            expect(state.status !== "none" && [state.from, state.to]).toContain(
              state.status !== "none" && state.holder,
            );
          }
        }
      }
    }
  });
});
