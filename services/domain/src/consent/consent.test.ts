import type { EventData } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConsentBusEvent } from "../bus-events.ts";
import { fold, isRefusal } from "../decider.ts";
import { chain, deciderTests, deepFreeze, play, readAll, type Stored } from "../testing.ts";
import { type ConsentCommand, type ConsentEvent, consentDecider, needsConsent } from "./consent.ts";
import { type ConsentRecord, consentView, recordConsent } from "./record.ts";

const { decide, evolve, initialState } = consentDecider;

const ID = "3a1f0c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
const LEAD = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const AT = "2026-11-02T08:00:00.000Z";
const AGENCIES = ["family-planning", "health", "public-security", "commerce"] as const;

const request = (
  requestedBy: string,
  originator = "family-planning",
  to = "public-security",
): EventData<"consent.requested"> => ({
  referralId: ID,
  leadId: LEAD,
  requestedBy,
  originator,
  to,
  reason: "请公安机关协查",
});

const ask = (agency: string, data = request(agency)): ConsentCommand => ({
  type: "request",
  agency,
  at: AT,
  request: data,
});
const give = (agency: string, note?: string): ConsentCommand => ({
  type: "give",
  agency,
  at: AT,
  note,
});
const deny = (agency: string, reason = "举报人不同意转递"): ConsentCommand => ({
  type: "refuse",
  agency,
  at: AT,
  reason,
});

const { run, refusal } = deciderTests(consentDecider);

describe("a consent (跨区转递征求意见)", () => {
  it("is needed when another agency passes on a restricted lead, never for the originator's own", () => {
    const lead = { originator: "health", handling: ["no-forward-without-consent" as const] };
    expect(needsConsent(lead, "public-security")).toBe(true);
    expect(needsConsent(lead, "health")).toBe(false);
    expect(needsConsent({ ...lead, handling: [] }, "public-security")).toBe(false);
  });

  it("is asked by the referring agency of the originator, and answered once, by the originator alone", () => {
    const asked = run(initialState(), ask("health"));
    expect(asked).toMatchObject({ status: "pending", requestedBy: "health", requestedAt: AT });
    expect(decide(ask("health"), initialState())).toMatchObject([
      { type: "consent.requested", agency: "health", to: "family-planning" },
    ]);
    for (const other of ["health", "public-security", "commerce"])
      expect(refusal(asked, give(other))).toMatchObject({ refused: "forbidden" });
    const given = run(asked, give("family-planning", "同意协查"));
    expect(given).toMatchObject({ status: "given", decisionReason: "同意协查", decidedAt: AT });
    expect(refusal(given, give("family-planning")).refused).toBe("conflict");
    expect(refusal(given, deny("family-planning")).refused).toBe("conflict");
    expect(refusal(asked, ask("health")).refused).toBe("conflict");
  });

  it("needs a reason to refuse: not blank, not zero-width spaces, not a lone surrogate", () => {
    const asked = run(initialState(), ask("health"));
    for (const reason of ["", "  ", "\u200B\u200B", "\uD800"])
      expect(refusal(asked, deny("family-planning", reason))).toMatchObject({
        refused: "invalid",
        field: "reason",
      });
    expect(run(asked, deny("family-planning"))).toMatchObject({
      status: "refused",
      decisionReason: "举报人不同意转递",
    });
  });

  it("is asked only as oneself, never by the originator, never of a referral to oneself", () => {
    expect(refusal(initialState(), ask("commerce", request("health"))).refused).toBe("forbidden");
    expect(refusal(initialState(), ask("family-planning")).field).toBe("about.id");
    expect(
      refusal(initialState(), ask("health", request("health", "family-planning", "health"))),
    ).toMatchObject({ refused: "invalid", field: "to" });
    const across = { ...request("health", "family-planning", "health"), toCounty: "620602" };
    expect(isRefusal(decide(ask("health", across), initialState()))).toBe(false);
  });
});

/** A command by any of the agencies: ask, give or refuse, with a reason that may say nothing. */
const arbCommand: fc.Arbitrary<ConsentCommand> = fc
  .tuple(
    fc.constantFrom("request", "give", "refuse"),
    fc.constantFrom(...AGENCIES),
    fc.constantFrom(...AGENCIES),
    fc.constantFrom("同意", "不同意转递", " ", "\u200B"),
  )
  .map(([type, agency, originator, text]) =>
    type === "request"
      ? ask(agency, request(agency, originator))
      : type === "give"
        ? give(agency, text === " " ? undefined : text)
        : deny(agency, text),
  );

/** Plays commands as the parties would; the events decided, chained as the bus holds them. */
function played(commands: ConsentCommand[]) {
  const log = chain("consent", ID);
  return play(initialState(), commands, {
    decide: (cmd, state) => decide(deepFreeze(cmd), state),
    evolve,
    publish: (e: ConsentEvent) =>
      log.step({ type: e.type, agency: e.agency, to: e.to, time: e.time, data: e.data }),
  });
}

/** A reader's record of the stored steps, each recorded as it arrives. */
const read = (stored: Stored[]) =>
  readAll<ConsentRecord | undefined, Stored>(undefined, stored, (r, s) =>
    recordConsent(r, s.event as ConsentBusEvent, s.meta),
  );

describe("a consent, over generated histories", () => {
  it("is unchanged by every refused command, and decide changes nothing it is given", () => {
    fc.assert(
      fc.property(fc.array(arbCommand, { maxLength: 10 }), (commands) => {
        const { refused } = played(commands);
        for (const r of refused) expect(r.after).toEqual(r.before);
      }),
      { numRuns: 300 },
    );
  });

  it("is the same for both parties: every reader's record of the steps is the decider's state", () => {
    fc.assert(
      fc.property(fc.array(arbCommand, { maxLength: 10 }), (commands) => {
        const { state, events, published: stored } = played(commands);
        expect(fold(consentDecider, events)).toEqual(state);
        const record = read(stored);
        expect(record ? consentView(record) : initialState()).toEqual(state);
        // Read again (at-least-once delivery): nothing changes.
        let again = record;
        for (const s of stored) {
          const r = recordConsent(again, s.event as ConsentBusEvent, s.meta);
          expect(r.ok).toBe(true);
          if (r.ok) again = r.record;
        }
        expect(again).toEqual(record);
      }),
      { numRuns: 300 },
    );
  });

  it("takes from the bus only the requester's request and one answer by the originator", () => {
    const step = fc.record({
      type: fc.constantFrom("consent.requested", "consent.given", "consent.refused"),
      agency: fc.constantFrom(...AGENCIES),
      requestedBy: fc.constantFrom(...AGENCIES),
      originator: fc.constantFrom(...AGENCIES),
      to: fc.constantFrom(...AGENCIES),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        const log = chain("consent", ID);
        let record: ConsentRecord | undefined;
        let last: Stored | null = null;
        for (const s of steps) {
          const data =
            s.type === "consent.requested"
              ? request(s.requestedBy, s.originator)
              : s.type === "consent.given"
                ? { referralId: ID, leadId: LEAD, by: s.agency }
                : { referralId: ID, leadId: LEAD, by: s.agency, reason: "不同意" };
          // Linked to the last step taken: only who publishes what is in question here.
          const after = s.type === "consent.requested" ? null : last;
          const stored = log.step({ type: s.type, agency: s.agency, to: s.to, data, after });
          const before = structuredClone(record);
          const r = recordConsent(record, stored.event as ConsentBusEvent, stored.meta);
          const entitled =
            s.type === "consent.requested"
              ? record === undefined &&
                s.agency === s.requestedBy &&
                s.originator !== s.agency &&
                s.agency !== "public-security" && // the referral would go to public-security
                s.to === s.originator
              : record !== undefined &&
                record.status === "pending" &&
                s.agency === record.originator &&
                s.to === record.requestedBy;
          expect(r.ok, JSON.stringify({ s, record })).toBe(entitled);
          if (r.ok) {
            record = r.record;
            last = stored;
          }
          // A step not taken changes nothing (an answer before its request waits).
          else expect(record).toEqual(before);
        }
        if (record) {
          expect(record.steps[0]).toMatchObject({ agency: record.requestedBy });
          expect(record.steps.slice(1).every((x) => x.agency === record?.originator)).toBe(true);
          expect(record.steps.length).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 500 },
    );
  });
});
