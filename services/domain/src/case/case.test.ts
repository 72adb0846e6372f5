import {
  CountyConfig,
  DEFAULT_SANCTIONS,
  type Sanction,
  SanctionKind,
  sanctionsOf,
} from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, isRefusal } from "../decider.ts";
import { deciderTests, deepFreeze } from "../testing.ts";
import {
  type CaseCommand,
  type CaseEvent,
  type CaseRefusal,
  type CaseState,
  caseDecider,
  caseView,
} from "./case.ts";

const { decide, evolve, initialState } = caseDecider;

// 妇联 is added by configuration and imposes nothing; 检察院 is given a row of its own.
const config = CountyConfig.parse({
  county: "441723",
  sanctions: { "womens-federation": [], procuratorate: ["transfer-to-judiciary"] },
});
const AGENCIES = [...Object.keys(DEFAULT_SANCTIONS), "womens-federation", "procuratorate"];

const CASE = "0b5a4a4e-7d57-4f5e-9f1e-3a0c8f6c2d11";
const LEAD = "5d0f4c1a-2b9e-4c1d-8e7f-6a5b4c3d2e1f";
const T0 = Date.parse("2026-11-01T00:00:00Z");

const opening = {
  title: "某私人诊所非法鉴定胎儿性别案",
  leads: [LEAD],
  referrals: [],
  violations: ["illegal-sex-determination" as const],
  target: { kind: "institution" as const, name: "某私人诊所", county: "441723" },
};

/** Who acts, when, and the id of the event: what every command carries. */
const by = (agency: string, at: number, eventId = crypto.randomUUID()) => ({
  agency,
  actor: `${agency}.liaison`,
  at: new Date(at).toISOString(),
  eventId,
});

function open(agency: string, at = T0, eventId = crypto.randomUUID()): CaseCommand {
  return {
    type: "open",
    caseId: CASE,
    ...by(agency, at, eventId),
    opening,
    leadsHeld: [LEAD],
    referralsAccepted: [],
  };
}

function close(agency: string, sanctions: Sanction[], at = T0 + 1000): CaseCommand {
  return {
    type: "close",
    ...by(agency, at),
    summary: "查实",
    sanctions,
    config,
  };
}

function step(agency: string, at = T0 + 500): CaseCommand {
  return {
    type: "record-step",
    ...by(agency, at),
    step: { kind: "evidence", summary: "调取记录", evidence: [] },
  };
}

/** Decides and folds; fails the test on a refusal. */
const tests = deciderTests(caseDecider);
const run = tests.run;
const refusal = (state: CaseState, command: CaseCommand) =>
  tests.refusal(state, command) as CaseRefusal;

const sanctionOf = (kind: SanctionKind, amountYuan = 10_000): Sanction => {
  switch (kind) {
    case "fine":
      return { kind, amountYuan, against: "某医生" };
    case "administrative-sanction":
    case "birth-permit-sanction":
      return { kind, against: "某人", detail: "三年内不予安排生育" };
    default:
      return { kind, against: "某诊所" } as Sanction;
  }
};

const arbSanction = fc
  .tuple(fc.constantFrom(...SanctionKind.options), fc.integer({ min: 1, max: 60_000 }))
  .map(([kind, amount]) => sanctionOf(kind, amount));

describe("the case decider", () => {
  it("opens, records a step and closes with the agency's own sanctions", () => {
    let s = run(initialState(), open("health"));
    s = run(s, step("health"));
    s = run(
      s,
      close("health", [sanctionOf("revoke-practising-certificate"), sanctionOf("fine", 30_000)]),
    );
    expect(s).toMatchObject({
      status: "closed",
      agency: "health",
      steps: [{ kind: "evidence", actor: "health.liaison" }],
      sanctions: [{ kind: "revoke-practising-certificate" }, { kind: "fine", amountYuan: 30_000 }],
      closedAt: new Date(T0 + 1000).toISOString(),
    });
    expect(caseView(s as Extract<CaseState, { applied: string[] }>)).not.toHaveProperty("applied");
  });

  it("lets commerce revoke a business licence and close an unlicensed operator (吊销营业执照、取缔), and nobody else", () => {
    const kinds = ["revoke-business-licence", "close-unlicensed-operator"] as const;
    const opened = run(initialState(), open("commerce"));
    expect(
      run(
        opened,
        close(
          "commerce",
          kinds.map((k) => sanctionOf(k)),
        ),
      ),
    ).toMatchObject({
      status: "closed",
      sanctions: [{ kind: "revoke-business-licence" }, { kind: "close-unlicensed-operator" }],
    });
    for (const agency of ["health", "public-security", "drug-regulation", "family-planning"]) {
      const theirs = run(initialState(), open(agency));
      expect(refusal(theirs, close(agency, [sanctionOf(kinds[0])])).field).toBe("sanctions.0.kind");
    }
  });

  it("fills in decree No. 310's deadlines on a transfer to the judiciary and refuses later ones", () => {
    const opened = run(initialState(), open("health"));
    expect(run(opened, close("health", [sanctionOf("transfer-to-judiciary")]))).toMatchObject({
      sanctions: [
        {
          kind: "transfer-to-judiciary",
          decideBy: new Date(T0 + 1000 + 72 * 3_600_000).toISOString(),
          transferBy: new Date(T0 + 1000 + 96 * 3_600_000).toISOString(),
        },
      ],
    });
    const late = refusal(
      opened,
      close("health", [
        { kind: "transfer-to-judiciary", against: "某医生", decideBy: "2099-01-01T00:00:00Z" },
      ]),
    );
    expect(late).toMatchObject({ refused: "invalid", field: "sanctions.0.decideBy" });
  });

  it("names every field at fault: a sanction not the agency's and a fine outside the legal range", () => {
    const opened = run(initialState(), open("health"));
    const r = refusal(
      opened,
      close("health", [sanctionOf("birth-permit-sanction"), sanctionOf("fine", 50_000)]),
    );
    expect(r.issues?.map((i) => i.field)).toEqual(["sanctions.0.kind", "sanctions.1.amountYuan"]);
  });

  it("opens only from leads and referrals the agency holds", () => {
    const cmd = open("health");
    if (cmd.type !== "open") throw new Error();
    const r = refusal(initialState(), { ...cmd, leadsHeld: [] });
    expect(r).toMatchObject({ refused: "invalid", field: "leads.0" });
    const none = refusal(initialState(), { ...cmd, opening: { ...opening, leads: [] } });
    expect(none.field).toBe("leads");
  });

  it("leaves a case to the agency that opened it, on the bus as at the desk", () => {
    const opened = run(initialState(), open("health"));
    expect(refusal(opened, step("commerce")).refused).toBe("forbidden");
    const forged: CaseEvent = {
      id: crypto.randomUUID(),
      type: "case.closed",
      time: new Date(T0).toISOString(),
      actor: "commerce.liaison",
      agency: "commerce",
      data: { caseId: CASE, summary: "x", sanctions: [] },
    };
    expect(evolve(opened, forged)).toBe(opened);
  });
});

/** A command by any agency, configured or not, at a time after the last. */
const arbCommand = fc
  .tuple(
    fc.constantFrom("open", "record-step", "close"),
    fc.constantFrom(...AGENCIES),
    fc.array(arbSanction, { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([type, agency, sanctions, holds]) => (at: number): CaseCommand => {
    if (type === "open") {
      const c = open(agency, at);
      return holds || c.type !== "open" ? c : { ...c, leadsHeld: [] };
    }
    return type === "close" ? close(agency, sanctions, at) : step(agency, at);
  });

describe("the case decider, over generated histories", () => {
  it("an agency can only impose its own sanctions, within the legal range", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AGENCIES),
        fc.array(arbSanction, { maxLength: 5 }),
        (agency, sanctions) => {
          const opened = run(initialState(), open(agency));
          const decided = decide(close(agency, sanctions), opened);
          const may = sanctionsOf(config, agency);
          const allowed = sanctions.every(
            (s) =>
              may.includes(s.kind) &&
              (s.kind !== "fine" || (s.amountYuan >= 5000 && s.amountYuan <= 30_000)),
          );
          expect(isRefusal(decided)).toBe(!allowed);
          if (isRefusal(decided)) return;
          const closed = decided.reduce(evolve, opened);
          if (closed.status === "none") throw new Error("no case");
          for (const s of closed.sanctions) expect(may).toContain(s.kind);
        },
      ),
    );
  });

  it("a closed case refuses every further step and closure, whoever asks", () => {
    fc.assert(
      fc.property(fc.array(arbCommand, { maxLength: 12 }), (commands) => {
        let state = run(run(initialState(), open("health")), close("health", []));
        commands.forEach((make, i) => {
          const cmd = make(T0 + 10_000 + i);
          const decided = decide(cmd, state);
          expect(isRefusal(decided)).toBe(true);
          if (!isRefusal(decided)) state = decided.reduce(evolve, state);
        });
        expect(state.status).toBe("closed");
      }),
    );
  });

  it("every refused command leaves the state unchanged; the state is the fold of the accepted events", () => {
    fc.assert(
      fc.property(fc.array(arbCommand, { maxLength: 20 }), (commands) => {
        let state = initialState();
        const events: CaseEvent[] = [];
        commands.forEach((make, i) => {
          const before = structuredClone(state);
          const decided = decide(make(T0 + i * 1000), deepFreeze(state));
          if (isRefusal(decided)) {
            expect(state).toEqual(before);
            return;
          }
          events.push(...decided);
          state = decided.reduce(evolve, state);
        });
        // Any reader folding the same events (the office, the CLI) holds the same case, and
        // one that reads an event twice (at-least-once delivery) too.
        expect(fold(caseDecider, events)).toEqual(state);
        expect(
          fold(
            caseDecider,
            events.flatMap((e) => [e, e]),
          ),
        ).toEqual(state);
      }),
    );
  });
});
