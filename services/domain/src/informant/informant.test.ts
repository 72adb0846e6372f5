import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { InformantBusEvent } from "../bus-events.ts";
import { fold, isRefusal } from "../decider.ts";
import { chain, deepFreeze, play, readAll, refusalOf, type Stored, taken } from "../testing.ts";
import {
  type Approver,
  type InformantCommand,
  type InformantEvent,
  type InformantOpening,
  type InformantState,
  informantDecider,
} from "./informant.ts";
import {
  type InformantContext,
  type InformantRecord,
  informantView,
  openInformantFile,
  recordInformant,
} from "./record.ts";

const { decide, evolve } = informantDecider;

const REF = `inf_${"0123456789abcdef".repeat(2)}`;
const LEAD = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const R1 = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const R2 = "6a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
const AT = "2026-11-03T09:00:00.000Z";
const RANGE = { min: 500, max: 50_000 };

const liaison: Approver = { id: "family-planning.liaison", supervisor: false };
const supervisor: Approver = { id: "family-planning.supervisor", supervisor: true };
const deputy: Approver = { id: "family-planning.deputy", supervisor: true };
const OFFICERS = [liaison, supervisor, deputy];
const context: InformantContext = {
  officer: (id) => OFFICERS.find((o) => o.id === id) ?? { id, supervisor: false },
  rewardRangeYuan: RANGE,
};

const opening = (rewardEligible = true): InformantOpening => ({
  type: "lead.reported",
  time: AT,
  actor: liaison.id,
  agency: "family-planning",
  data: { leadId: LEAD, informant: { ref: REF, rewardEligible } },
});
const opened = (rewardEligible = true) =>
  evolve(informantDecider.initialState(), opening(rewardEligible));

type Intent =
  | { type: "approve-reward"; amountYuan: number; reason?: string }
  | { type: "request-unseal"; requestId: string; reason?: string }
  | { type: "approve-unseal"; requestId: string }
  | { type: "pay-reward"; amountYuan: number }
  | { type: "shred"; reason?: string };

function command(officer: Approver, intent: Intent, agency = "family-planning"): InformantCommand {
  const step = { agency, officer, at: AT };
  switch (intent.type) {
    case "approve-reward":
      return { ...step, ...intent, reason: intent.reason ?? "举报属实", range: RANGE };
    case "request-unseal":
      return { ...step, ...intent, reason: intent.reason ?? "联系举报人发放奖金" };
    case "shred":
      return { ...step, ...intent, reason: intent.reason ?? "本人申请删除" };
    default:
      return { ...step, ...intent };
  }
}

const run = (state: InformantState, officer: Approver, intent: Intent) =>
  taken(decide(command(officer, intent), state), state, evolve);
const refusal = (state: InformantState, officer: Approver, intent: Intent, agency?: string) =>
  refusalOf(decide(command(officer, intent, agency), state), `a refusal of ${intent.type}`);

const approve = (amountYuan = 10_000): Intent => ({ type: "approve-reward", amountYuan });
const ask = (requestId = R1): Intent => ({ type: "request-unseal", requestId });
const unseal = (requestId = R1): Intent => ({ type: "approve-unseal", requestId });
const pay = (amountYuan = 10_000): Intent => ({ type: "pay-reward", amountYuan });

const shred = (reason?: string): Intent => ({ type: "shred", ...(reason ? { reason } : {}) });

describe("an informant's identity destroyed (PIPL deletion)", () => {
  it("by a supervisor, with a reason, once; no unsealing is asked or approved after it", () => {
    let s = run(opened(), liaison, ask());
    s = run(s, supervisor, unseal());
    expect(refusal(s, liaison, shred()).refused).toBe("forbidden");
    expect(refusal(s, supervisor, shred(" "))).toMatchObject({
      refused: "invalid",
      field: "reason",
    });
    expect(decide(command(deputy, shred("删除")), s)).toEqual([
      {
        type: "informant.shredded",
        time: AT,
        actor: deputy.id,
        agency: "family-planning",
        data: { informantRef: REF, reason: "删除" },
      },
    ]);
    s = run(s, deputy, shred("删除"));
    expect(s).toMatchObject({ shredded: { by: deputy.id, at: AT, reason: "删除" } });
    expect(refusal(s, supervisor, shred()).refused).toBe("conflict");
    // The second approval that would have unsealed it, and any new request, are refused.
    expect(refusal(s, deputy, unseal())).toMatchObject({
      code: "informant.shredded",
      params: { by: deputy.id },
    });
    expect(refusal(s, liaison, ask(R2)).refused).toBe("conflict");
    expect(refusal(s, supervisor, shred(), "health").refused).toBe("forbidden");
    // The reward stands on its own: approved after the deletion still.
    expect(run(s, supervisor, approve())).toMatchObject({ reward: { amountYuan: 10_000 } });
  });
});

describe("an informant's file (举报人档案), as in S3", () => {
  it("a supervisor approves the reward, two supervisors unseal the contact, then it is paid", () => {
    let s = opened();
    expect(refusal(s, liaison, approve()).refused).toBe("forbidden");
    s = run(s, supervisor, approve());
    expect(refusal(s, liaison, pay())).toMatchObject({ refused: "conflict" });
    s = run(s, liaison, ask());
    const first = decide(command(supervisor, unseal()), s);
    expect(first).toMatchObject([{ type: "informant.unseal-approved" }]);
    s = run(s, supervisor, unseal());
    expect(refusal(s, supervisor, unseal()).refused).toBe("conflict");
    expect(decide(command(deputy, unseal()), s)).toMatchObject([
      { type: "informant.unseal-approved", actor: deputy.id },
      { type: "informant.unsealed", data: { approvers: [supervisor.id, deputy.id] } },
    ]);
    s = run(s, deputy, unseal());
    expect(refusal(s, deputy, unseal()).refused).toBe("conflict");
    expect(refusal(s, liaison, pay(9_999))).toMatchObject({
      refused: "invalid",
      field: "amountYuan",
    });
    s = run(s, liaison, pay());
    expect(s).toMatchObject({
      reward: { amountYuan: 10_000, approvedBy: supervisor.id, paid: true },
      requests: [{ requestId: R1, approvers: [supervisor.id, deputy.id], unsealed: true }],
    });
    expect(refusal(s, liaison, pay()).refused).toBe("conflict");
  });

  it("approves a reward once, for an eligible informant, within the county's range, with a reason", () => {
    expect(refusal(opened(false), supervisor, approve()).refused).toBe("conflict");
    for (const amount of [499, 50_001, 10_000.5])
      expect(refusal(opened(), supervisor, approve(amount))).toMatchObject({
        refused: "invalid",
        field: "amountYuan",
      });
    expect(
      refusal(opened(), supervisor, { type: "approve-reward", amountYuan: 500, reason: "\u200B" })
        .field,
    ).toBe("reason");
    const once = run(opened(), supervisor, approve(500));
    expect(refusal(once, deputy, approve(600)).refused).toBe("conflict");
  });

  it("unseals only with two different supervisors, neither the requester", () => {
    const bySupervisor = run(opened(), supervisor, ask());
    expect(refusal(bySupervisor, supervisor, unseal()).refused).toBe("conflict");
    expect(refusal(bySupervisor, liaison, unseal()).refused).toBe("forbidden");
    expect(refusal(bySupervisor, deputy, unseal(R2)).refused).toBe("conflict");
    // Two supervisors only, one of them the requester: it can never be unsealed.
    const once = run(bySupervisor, deputy, unseal());
    expect(once).toMatchObject({ requests: [{ approvers: [deputy.id], unsealed: false }] });
    expect(refusal(run(opened(), liaison, ask()), liaison, ask()).refused).toBe("conflict");
  });

  it("pays only after unsealing, and only as approved", () => {
    const approved = run(opened(), supervisor, approve());
    const asked = run(run(approved, liaison, ask()), supervisor, unseal());
    expect(refusal(asked, liaison, pay()).code).toBe("informant.sealed");
    // Unsealed before the reward was approved: paid once it is.
    const early = run(run(run(opened(), liaison, ask()), supervisor, unseal()), deputy, unseal());
    expect(refusal(early, liaison, pay()).code).toBe("informant.reward-not-approved");
    expect(run(run(early, supervisor, approve()), liaison, pay())).toMatchObject({
      reward: { paid: true },
    });
  });

  it("completes an unsealing cut short after the second approval", () => {
    const asked = run(opened(), liaison, ask());
    const twice = [
      { type: "informant.unseal-approved", actor: supervisor.id },
      { type: "informant.unseal-approved", actor: deputy.id },
    ].reduce(
      (s, e) =>
        evolve(s, {
          ...e,
          time: AT,
          agency: "family-planning",
          data: { informantRef: REF, requestId: R1 },
        } as InformantEvent),
      asked,
    );
    expect(decide(command(deputy, unseal()), twice)).toMatchObject([
      { type: "informant.unsealed", data: { approvers: [supervisor.id, deputy.id] } },
    ]);
  });

  it("is acted on by its own agency alone", () => {
    const s = run(opened(), supervisor, approve());
    const other: Approver = { id: "health.supervisor", supervisor: true };
    expect(refusal(s, other, pay(), "health").refused).toBe("forbidden");
    expect(refusal(s, other, ask(), "health").refused).toBe("forbidden");
    expect(refusal(informantDecider.initialState(), supervisor, approve()).refused).toBe(
      "conflict",
    );
  });
});

const AGENCY_OFFICERS: [string, Approver][] = [
  ...OFFICERS.map((o): [string, Approver] => ["family-planning", o]),
  ["health", { id: "health.supervisor", supervisor: true }],
];
const arbIntent: fc.Arbitrary<Intent> = fc.oneof(
  fc.constantFrom(499, 500, 10_000, 50_000, 50_001).map(approve),
  fc.constantFrom(R1, R2).map(ask),
  fc.constantFrom(R1, R2).map(unseal),
  fc.constantFrom(500, 10_000).map(pay),
);
const arbAttempt = fc.tuple(fc.constantFrom(...AGENCY_OFFICERS), arbIntent);

/** Plays attempts on an eligible informant's file; the events decided, chained as on the bus. */
function played(attempts: [[string, Approver], Intent][], eligible = true) {
  const log = chain("informant", REF);
  return play(opened(eligible), attempts, {
    decide: ([[agency, officer], intent], state) =>
      decide(deepFreeze(command(officer, intent, agency)), state),
    evolve,
    publish: (e: InformantEvent) => {
      const stored = log.step({ type: e.type, agency: e.agency, time: e.time, data: e.data });
      // The test chain names the liaison as actor: the officer who decided is the envelope's.
      (stored.event as { actor: string }).actor = e.actor;
      return stored;
    },
  });
}

const read = (stored: Stored[], eligible = true) =>
  readAll<InformantRecord, Stored>(openInformantFile(opening(eligible))!, stored, (r, s) =>
    recordInformant(r, s.event as InformantBusEvent, s.meta, context),
  );

describe("an informant's file, over generated histories", () => {
  it("is unchanged by every refused command, and decide changes nothing it is given", () => {
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 14 }), fc.boolean(), (attempts, eligible) => {
        const { refused } = played(attempts, eligible);
        for (const r of refused) expect(r.after).toEqual(r.before);
      }),
      { numRuns: 300 },
    );
  });

  it("never pays before approval and unsealing, never unseals without two supervisors other than the requester", () => {
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 14 }), fc.boolean(), (attempts, eligible) => {
        const { state } = played(attempts, eligible);
        if (state.status === "none") throw new Error("no file");
        if (state.reward) {
          expect(eligible).toBe(true);
          expect(state.reward.amountYuan).toBeGreaterThanOrEqual(RANGE.min);
          expect(state.reward.amountYuan).toBeLessThanOrEqual(RANGE.max);
          expect(context.officer(state.reward.approvedBy).supervisor).toBe(true);
          if (state.reward.paid) expect(state.requests.some((r) => r.unsealed)).toBe(true);
        }
        for (const r of state.requests) {
          expect(new Set(r.approvers).size).toBe(r.approvers.length);
          expect(r.approvers).not.toContain(r.requestedBy);
          for (const a of r.approvers) expect(context.officer(a).supervisor).toBe(true);
          if (r.unsealed) expect(r.approvers.length).toBe(2);
          expect(r.approvers.length).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is the decider's state as the agency records it from the bus, read once or twice", () => {
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 14 }), (attempts) => {
        const { state, events, published: stored } = played(attempts);
        expect(events.reduce(evolve, opened())).toEqual(state);
        expect(fold(informantDecider, [opening(), ...events])).toEqual(state);
        const record = read(stored);
        const { applied: _a, head: _h, ...recorded } = record;
        expect(recorded).toEqual(state);
        expect(read([...stored, ...stored])).toEqual(record);
        expect(informantView(record)).not.toHaveProperty("applied");
      }),
      { numRuns: 300 },
    );
  });

  it("takes a step from the bus only when its officer, of the holding agency, could have decided it", () => {
    const forged = fc.record({
      type: fc.constantFrom(
        "informant.reward-approved",
        "informant.reward-paid",
        "informant.unseal-requested",
        "informant.unseal-approved",
        "informant.unsealed",
      ),
      by: fc.constantFrom(...AGENCY_OFFICERS),
      amountYuan: fc.constantFrom(499, 10_000, 50_001),
      requestId: fc.constantFrom(R1, R2),
      approvers: fc.constantFrom<[string, string]>(
        [supervisor.id, deputy.id],
        [supervisor.id, supervisor.id],
        [liaison.id, deputy.id],
      ),
    });
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 10 }), forged, (attempts, f) => {
        const { state, published: stored } = played(attempts);
        const record = read(stored);
        const [agency, officer] = f.by;
        const data = {
          "informant.reward-approved": {
            informantRef: REF,
            leadId: LEAD,
            amountYuan: f.amountYuan,
            reason: "举报属实",
          },
          "informant.reward-paid": { informantRef: REF, leadId: LEAD, amountYuan: f.amountYuan },
          "informant.unseal-requested": {
            informantRef: REF,
            requestId: f.requestId,
            reason: "联系举报人",
          },
          "informant.unseal-approved": { informantRef: REF, requestId: f.requestId },
          "informant.unsealed": {
            informantRef: REF,
            requestId: f.requestId,
            approvers: f.approvers,
          },
        }[f.type];
        const step = chain("informant", REF).step({
          type: f.type,
          agency,
          data,
          after: stored.at(-1) ?? null,
        });
        (step.event as { actor: string }).actor = officer.id;
        const out = recordInformant(record, step.event as InformantBusEvent, step.meta, context);
        // Whether the officer could have decided this very step on the file as it stood.
        const intent: Intent =
          f.type === "informant.reward-approved"
            ? approve(f.amountYuan)
            : f.type === "informant.reward-paid"
              ? pay(f.amountYuan)
              : f.type === "informant.unseal-requested"
                ? { type: "request-unseal", requestId: f.requestId, reason: "联系举报人" }
                : unseal(f.requestId);
        const decided = decide(command(officer, intent, agency), state);
        // The first event it gives: an unsealing stands only on the approval before it.
        const first = isRefusal(decided) ? undefined : decided[0];
        const could =
          first?.type === f.type &&
          (first.type !== "informant.unsealed" ||
            JSON.stringify(first.data.approvers) === JSON.stringify(f.approvers));
        expect(out.ok).toBe(could);
        if (agency !== "family-planning") expect(out.ok).toBe(false);
        if (out.ok && f.type !== "informant.unseal-requested")
          expect(officer.supervisor || f.type === "informant.reward-paid").toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
