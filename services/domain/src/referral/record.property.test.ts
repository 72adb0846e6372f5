import type { ReferralView } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusalMessage } from "../decider.ts";
import { chain, type Stored } from "../testing.ts";
import { type ReferralBusEvent, recordReferral, referralState } from "./record.ts";
import { evolve, type ReferralCommand, type ReferralState, referralDecider } from "./referral.ts";

const decide = (command: ReferralCommand, state: ReferralState, actor: { agency: string }) =>
  referralDecider.decide({ command, actor }, state);

const AGENCIES = ["family-planning", "health", "public-security", "commerce"] as const;
const NOW = new Date("2026-11-02T00:00:00.000Z");
const ID = "7d1f0a8e-1b2c-4d3e-8f40-5a6b7c8d9e0f";

const offerData = (from: string, to: string) => ({
  referralId: ID,
  kind: "handling" as const,
  from,
  to,
  about: { kind: "lead" as const, id: "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a" },
  reason: "孕情不明原因消失，请核查",
  acceptBy: "2026-11-05T00:00:00.000Z",
  completeBy: "2026-12-02T00:00:00.000Z",
  evidence: [],
});

const command = fc.oneof(
  fc.constant<ReferralCommand>({ type: "accept" }),
  fc.constant<ReferralCommand>({ type: "return", reason: "不属本部门职责" }),
  fc.constant<ReferralCommand>({ type: "withdraw", reason: "撤回" }),
  fc.constant<ReferralCommand>({
    type: "complete",
    feedback: { actions: "立案调查", outcome: "吊销执业证书" },
  }),
  fc.constantFrom(...AGENCIES).map<ReferralCommand>((to) => ({
    type: "refer-on",
    childReferralId: "9c2e1b0a-0000-4000-8000-000000000002",
    to,
  })),
);
const attempt = fc.tuple(command, fc.constantFrom(...AGENCIES));

/**
 * Plays attempts by several agencies on one referral in one county as the bus would: each
 * decided on the state so far, the ones decided put on the log, linked to the last.
 */
function play(from: string, to: string, attempts: [ReferralCommand, string][]) {
  const log = chain("referral", ID);
  const stored: Stored[] = [];
  let state: ReferralState = { status: "none" };
  const offer = decide({ type: "offer", data: offerData(from, to), now: NOW }, state, {
    agency: from,
  });
  if (!Array.isArray(offer)) throw new Error(refusalMessage(offer));
  for (const e of offer) {
    stored.push(log.step({ type: e.type, agency: from, to, data: e.data }));
    state = evolve(state, e);
  }
  const refusals: { before: ReferralState; after: ReferralState }[] = [];
  for (const [cmd, actor] of attempts) {
    const before = structuredClone(state);
    const out = decide(cmd, state, { agency: actor });
    if (!Array.isArray(out)) {
      refusals.push({ before, after: state });
      continue;
    }
    for (const e of out) {
      const other = state.status !== "none" && actor === state.from ? state.to : from;
      stored.push(log.step({ type: e.type, agency: actor, to: other, data: e.data }));
      state = evolve(state, e);
    }
  }
  return { stored, state, refusals };
}

/**
 * A reader folding steps as they arrive, out of order: a step whose predecessor has not come
 * yet is delivered again after the next one (as a consumer redelivers what it did not ack).
 */
function read(arrivals: Stored[]): ReferralView | undefined {
  let view: ReferralView | undefined;
  let waiting = [...arrivals];
  for (let round = 0; waiting.length > 0 && round <= arrivals.length; round++) {
    const again: Stored[] = [];
    for (const s of waiting) {
      const r = recordReferral(view, s.event as ReferralBusEvent, s.meta);
      if (r.ok) view = r.view;
      else if ("waiting" in r) again.push(s);
      else throw new Error(refusalMessage(r.refused));
    }
    waiting = again;
  }
  expect(waiting).toEqual([]);
  return view;
}

/** An order in which one party's reader may see the steps: its own in order, the other's in order, interleaved. */
const interleaving = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n });
function interleave(stored: Stored[], party: string, picks: boolean[]): Stored[] {
  const own = stored.filter((s) => s.event.agency === party);
  const others = stored.filter((s) => s.event.agency !== party);
  const out: Stored[] = [];
  for (const p of picks) {
    const next = (p ? own : others).shift() ?? (p ? others : own).shift();
    if (next) out.push(next);
  }
  return [...out, ...own, ...others];
}

describe("a referral's record, whoever folds it", () => {
  it("is the decider's state, and the same for every reader and every order of arrival", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AGENCIES),
        fc.constantFrom(...AGENCIES),
        fc.array(attempt, { maxLength: 8 }),
        interleaving(12),
        interleaving(12),
        (from, to, attempts, senderPicks, addresseePicks) => {
          fc.pre(from !== to);
          const { stored, state } = play(from, to, attempts);
          const inOrder = read(stored);
          const atSender = read(interleave(stored, from, senderPicks));
          const atAddressee = read(interleave(stored, to, addresseePicks));
          expect(atSender).toEqual(inOrder);
          expect(atAddressee).toEqual(inOrder);
          expect(referralState(inOrder!)).toEqual(state);
          expect(inOrder).toMatchObject({ status: state.status === "none" ? "-" : state.status });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is unchanged by every refused command, and decide never changes what it is given", () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 8 }), (attempts) => {
        const { refusals } = play("family-planning", "health", attempts);
        for (const r of refusals) expect(r.after).toEqual(r.before);
      }),
      { numRuns: 300 },
    );
  });

  it("takes a step from the bus exactly when its publisher could have decided it", () => {
    fc.assert(
      fc.property(
        command,
        fc.constantFrom(...AGENCIES),
        fc.array(attempt, { maxLength: 4 }),
        (cmd, actor, attempts) => {
          const { stored, state } = play("family-planning", "health", attempts);
          const view = read(stored)!;
          const decided = decide(cmd, state, { agency: actor });
          fc.pre(Array.isArray(decided) || decided.refused !== "invalid");
          // The step as the actor would publish it, decided or not: a forgery when not.
          const step = chain("referral", ID).step({
            ...published(cmd, actor),
            agency: actor,
            after: stored.at(-1)!,
          });
          const out = recordReferral(view, step.event as ReferralBusEvent, step.meta);
          expect(out.ok).toBe(Array.isArray(decided));
          if (!out.ok) expect(read(stored)).toEqual(view);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** The event an agency would publish for a command, whatever the state. */
function published(cmd: ReferralCommand, by: string): { type: string; data: unknown } {
  const referralId = ID;
  switch (cmd.type) {
    case "offer":
      return { type: "referral.offered", data: cmd.data };
    case "accept":
      return { type: "referral.accepted", data: { referralId, by } };
    case "return":
      return { type: "referral.returned", data: { referralId, by, reason: cmd.reason } };
    case "withdraw":
      return { type: "referral.withdrawn", data: { referralId, by, reason: cmd.reason } };
    case "complete":
      return { type: "referral.completed", data: { referralId, by, feedback: cmd.feedback } };
    case "refer-on":
      return {
        type: "referral.referred-on",
        data: { referralId, by, childReferralId: cmd.childReferralId, to: cmd.to },
      };
  }
}

describe("a referral across a county line", () => {
  const A = "620702";
  const B = "620602";

  /**
   * Sender in A, addressee in B. Each decides on what its own log holds: after the offer the
   * sender may withdraw while the addressee, not yet knowing, accepts or returns; the addressee
   * may go on to complete. Both steps link to the offer: a fork.
   */
  function fork(
    senderWithdraws: boolean,
    addressee: "accept" | "return" | "none",
    completes: boolean,
  ) {
    const log = chain("referral", ID, A);
    const offer = log.step({
      type: "referral.offered",
      agency: "health",
      to: "health",
      toCounty: B,
      data: offerData("health", "health"),
    });
    const steps = [offer];
    if (senderWithdraws)
      steps.push(
        log.step({
          type: "referral.withdrawn",
          agency: "health",
          to: "health",
          toCounty: B,
          data: { referralId: ID, by: "health", reason: "撤回" },
          after: offer,
        }),
      );
    if (addressee !== "none") {
      const answer = log.step({
        type: addressee === "accept" ? "referral.accepted" : "referral.returned",
        agency: "health",
        county: B,
        to: "health",
        toCounty: A,
        data: { referralId: ID, by: "health", reason: "不属本县管辖" },
        after: offer,
      });
      steps.push(answer);
      if (addressee === "accept" && completes)
        steps.push(
          log.step({
            type: "referral.completed",
            agency: "health",
            county: B,
            to: "health",
            toCounty: A,
            data: { referralId: ID, by: "health", feedback: { actions: "查处", outcome: "罚款" } },
            after: answer,
          }),
        );
    }
    return steps;
  }

  it("converges on one history whatever the order the steps arrive in; the addressee's step wins", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom("accept", "return", "none") as fc.Arbitrary<"accept" | "return" | "none">,
        fc.boolean(),
        fc.func(fc.integer()),
        fc.func(fc.integer()),
        (withdraws, answer, completes, orderA, orderB) => {
          const steps = fork(withdraws, answer, completes);
          const shuffled = (f: (s: Stored) => number) =>
            [...steps].sort((x, y) => f(x) - f(y) || x.meta.seq - y.meta.seq);
          const inA = read(shuffled(orderA))!;
          const inB = read(shuffled(orderB))!;
          expect(inB).toEqual(inA);
          const expected =
            answer === "none"
              ? withdraws
                ? "withdrawn"
                : "offered"
              : answer === "return"
                ? "returned"
                : completes
                  ? "completed"
                  : "accepted";
          expect(inA.status).toBe(expected);
          // The sender's withdrawal stays on the record, void, when the addressee answered.
          if (withdraws && answer !== "none")
            expect(inA.history.find((h) => h.type === "referral.withdrawn")?.void).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
