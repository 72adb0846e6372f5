import { CountyConfig, LeadRegistration, Text } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, isRefusal, type Refusal, refusalMessage } from "../decider.ts";
import { AGENCY_CODES } from "../testing.ts";
import {
  copyDue,
  decideLead,
  inboxItem,
  type LeadCommand,
  type LeadEvent,
  type LeadState,
  leadDecider,
  leadView,
  type RegisterLead,
  registrationAnswer,
} from "./mod.ts";
import { CLOCK_SKEW_MS, checkText } from "./plausible.ts";

const config = CountyConfig.parse({
  county: "441723",
  duplicateWindowDays: 30,
  region: { neighbours: ["441702"] },
});
const now = new Date("2026-11-01T00:00:00Z");
const LEAD = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const EARLIER = "11111111-1111-4111-8111-111111111111";
const registration = LeadRegistration.parse({
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "某镇卫生院", unit: "产科", county: "441723" },
  summary: "同名五次引产",
});
const register = (over: Partial<RegisterLead> = {}): RegisterLead => ({
  type: "register",
  leadId: LEAD,
  agency: "health",
  actor: "health.liaison",
  now,
  registration,
  targetKey: "a".repeat(64),
  config,
  mayOriginate: ["record-audit", "public-tip"],
  sameTarget: [],
  ...over,
});

function events(r: LeadEvent[] | Refusal): LeadEvent[] {
  if (isRefusal(r)) throw new Error(`refused: ${refusalMessage(r)}`);
  return r;
}
const refusal = (r: LeadEvent[] | Refusal) => (isRefusal(r) ? r : undefined);

/** The originator's own events and every copy it passes on, in the order the bus records them. */
function recorded(commands: LeadCommand[]): { own: LeadEvent[]; all: LeadEvent[] } {
  const own: LeadEvent[] = [];
  const all: LeadEvent[] = [];
  let state: LeadState;
  for (const cmd of commands) {
    const decided = decideLead(cmd, state);
    if (isRefusal(decided)) continue;
    for (const e of decided) {
      state = leadDecider.evolve(state, e);
      own.push(e);
      all.push(e);
      all.push(...events(decideLead({ type: "share", agency: e.agency, of: e }, state)));
    }
  }
  return { own, all };
}

describe("registering a lead", () => {
  it("routes by source, never back to the originator", () => {
    const [reported] = events(decideLead(register(), undefined));
    expect(reported).toMatchObject({
      type: "lead.reported",
      county: "441723",
      agency: "health",
      time: now.toISOString(),
      data: { leadId: LEAD, recipients: ["public-security", "family-planning"] },
    });
  });

  it("refuses a source the agency may not originate, naming the field", () => {
    expect(
      refusal(decideLead(register({ mayOriginate: ["public-tip"] }), undefined)),
    ).toMatchObject({ refused: "invalid", field: "source" });
  });

  it("refuses a county the bus does not know", () => {
    const target = { ...registration.target, county: "130102" };
    expect(
      refusal(decideLead(register({ registration: { ...registration, target } }), undefined)),
    ).toMatchObject({ refused: "invalid", field: "target.county" });
  });

  it("refuses an observation in 2099, or before 2000; accepts one within the clock skew", () => {
    const at = (observedAt: string) =>
      refusal(decideLead(register({ registration: { ...registration, observedAt } }), undefined));
    expect(at("2099-01-01T00:00:00Z")).toMatchObject({ refused: "invalid", field: "observedAt" });
    expect(at("1999-12-31T23:59:59Z")).toMatchObject({ refused: "invalid", field: "observedAt" });
    expect(at(new Date(now.getTime() + CLOCK_SKEW_MS).toISOString())).toBeUndefined();
    expect(at(new Date(now.getTime() + CLOCK_SKEW_MS + 1000).toISOString())).toMatchObject({
      field: "observedAt",
    });
    expect(at("2000-01-01T00:00:00Z")).toBeUndefined();
  });

  it("refuses a summary of zero-width spaces, or with a lone surrogate, naming it", () => {
    for (const summary of ["\u200B\u200B\u200B", "\u2060\uFEFF \u200D", "举报\uD800"]) {
      expect(
        refusal(decideLead(register({ registration: { ...registration, summary } }), undefined)),
      ).toMatchObject({ refused: "invalid", field: "summary" });
    }
  });

  it("refuses a second registration of the same lead", () => {
    const state = fold(leadDecider, events(decideLead(register(), undefined)));
    expect(refusal(decideLead(register(), state))).toMatchObject({ refused: "conflict" });
  });

  it("links the newest earlier lead about the same target inside the window, not outside it", () => {
    const sameTarget = [
      { leadId: EARLIER, at: "2026-10-20T00:00:00Z" },
      { leadId: "22222222-2222-4222-8222-222222222222", at: "2026-10-10T00:00:00Z" },
      { leadId: LEAD, at: "2026-10-31T00:00:00Z" },
    ];
    const inside = events(decideLead(register({ sameTarget }), undefined));
    expect(inside.map((e) => e.type)).toEqual(["lead.reported", "lead.linked"]);
    expect(inside[1]).toMatchObject({ data: { earlierLeadId: EARLIER, reason: "same-target" } });
    const later = events(
      decideLead(register({ sameTarget, now: new Date("2026-12-31T00:00:00Z") }), undefined),
    );
    expect(later.map((e) => e.type)).toEqual(["lead.reported"]);
  });

  it("puts only the informant's reference on the shared facts, and answers a retry the same", () => {
    const withInformant = LeadRegistration.parse({
      ...registration,
      source: "public-tip",
      informant: { name: "李某某", phone: "13800000000", rewardEligible: true },
    });
    const decided = events(
      decideLead(
        register({ registration: withInformant, informantRef: `inf_${"0".repeat(32)}` }),
        undefined,
      ),
    );
    expect(JSON.stringify(decided)).not.toContain("13800000000");
    expect(JSON.stringify(decided)).not.toContain("李某某");
    const lead = fold(leadDecider, decided)!;
    expect(registrationAnswer(lead)).toEqual({
      leadId: LEAD,
      sharedWith: ["public-security", "family-planning"],
      informantRef: `inf_${"0".repeat(32)}`,
    });
  });

  it("shares a lead about a neighbour's target across the line, without the informant", () => {
    const across = LeadRegistration.parse({
      ...registration,
      source: "public-tip",
      target: { ...registration.target, county: "441702" },
      informant: { name: "李某某", rewardEligible: true },
    });
    const { all } = recorded([
      register({ registration: across, informantRef: `inf_${"0".repeat(32)}` }),
    ]);
    const copies = all.filter((e) => e.type === "lead.shared");
    const there = copies.filter((e) => e.toCounty === "441702");
    expect(there.map((e) => e.to).sort()).toEqual(
      ["family-planning", "health", "public-security"].sort(),
    );
    for (const e of there) expect(JSON.stringify(e.data)).not.toContain("inf_");
    for (const e of copies.filter((c) => c.toCounty === undefined))
      expect(e.type === "lead.shared" && e.data.lead.informant?.ref).toBe(`inf_${"0".repeat(32)}`);
    const restricted = { ...across, handling: ["no-forward-without-consent" as const] };
    const home = recorded([register({ registration: restricted })]).all;
    expect(home.some((e) => e.toCounty !== undefined)).toBe(false);
  });
});

describe("dismissing a lead", () => {
  const registered = () => fold(leadDecider, events(decideLead(register(), undefined)));
  const dismiss = (over: Partial<Extract<LeadCommand, { type: "dismiss" }>> = {}) =>
    ({
      type: "dismiss",
      agency: "health",
      actor: "health.liaison",
      now,
      reason: "核实无违法事实",
      ...over,
    }) as const;

  it("the originator dismisses it with a reason", () => {
    const state = registered();
    const next = fold(leadDecider, [
      ...events(decideLead(register(), undefined)),
      ...events(decideLead(dismiss(), state)),
    ]);
    expect(next?.status).toBe("dismissed");
  });

  it("another agency may not; a blank reason is refused naming it; twice is a conflict", () => {
    const state = registered();
    expect(refusal(decideLead(dismiss({ agency: "commerce" }), state))).toMatchObject({
      refused: "forbidden",
    });
    expect(refusal(decideLead(dismiss({ reason: "\u200B" }), state))).toMatchObject({
      refused: "invalid",
      field: "reason",
    });
    const dismissed = leadDecider.evolve(state, events(decideLead(dismiss(), state))[0]!);
    expect(refusal(decideLead(dismiss(), dismissed))).toMatchObject({ refused: "conflict" });
  });
});

describe("sharing a step again (after a crash)", () => {
  type Step = "lead.reported" | "lead.linked" | "lead.dismissed";
  // Each step's copies, in the order sharing makes them, for a lead linked or not.
  const orders: { linked: boolean; steps: Step[] }[] = [
    { linked: true, steps: ["lead.reported", "lead.linked", "lead.dismissed"] },
    { linked: false, steps: ["lead.reported", "lead.dismissed"] },
  ];
  const copyOf = (s: Step): LeadEvent["type"] => (s === "lead.reported" ? "lead.shared" : s);

  it("finds a copy made when the subject holds it or a later one, due after the one before, else waiting", () => {
    for (const { linked, steps } of orders) {
      const lead = { linkedTo: linked ? ["11111111-1111-4111-8111-111111111111"] : [] };
      // Whatever prefix of the copies the addressee's subject holds, in order.
      for (let made = 0; made <= steps.length; made++) {
        const last = made === 0 ? undefined : copyOf(steps[made - 1]!);
        steps.forEach((s, i) => {
          const expected = i < made ? "made" : i === made ? "due" : "waiting";
          expect(copyDue(lead, s, last), `${s} after ${last ?? "none"}`).toBe(expected);
        });
      }
    }
  });

  it("shares every step once whatever the order its deliveries come again in", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.nat(2), { minLength: 1, maxLength: 12 }),
        (linked, deliveries) => {
          const steps = orders.find((o) => o.linked === linked)!.steps;
          const lead = { linkedTo: linked ? ["11111111-1111-4111-8111-111111111111"] : [] };
          const subject: LeadEvent["type"][] = [];
          // Deliveries (again) of the steps, in any order; then each in order, as the consumer
          // redelivers what waited.
          for (const d of [...deliveries.map((i) => steps[i % steps.length]!), ...steps]) {
            const due = copyDue(lead, d, subject.at(-1));
            if (due === "due") subject.push(copyOf(d));
          }
          expect(subject).toEqual(steps.map(copyOf));
        },
      ),
    );
  });
});

describe("receiving another agency's event", () => {
  const shared = () => recorded([register()]).all.find((e) => e.to === "public-security")!;

  it("records a share addressed to it by the lead's originator", () => {
    const e = shared();
    expect(
      events(decideLead({ type: "receive", agency: "public-security", event: e }, undefined)),
    ).toEqual([e]);
  });

  it("refuses a share naming another originator than its envelope, or misaddressed", () => {
    const e = shared();
    if (e.type !== "lead.shared") throw new Error("not a share");
    const forged = { ...e, data: { ...e.data, originator: "commerce" } } as LeadEvent;
    expect(
      refusal(decideLead({ type: "receive", agency: "public-security", event: forged }, undefined)),
    ).toMatchObject({ refused: "invalid" });
    expect(
      refusal(decideLead({ type: "receive", agency: "commerce", event: e }, undefined)),
    ).toMatchObject({ refused: "invalid", field: "to" });
  });

  it("refuses a dismissal of a lead by an agency other than its originator", () => {
    const e = shared();
    const state = leadDecider.evolve(undefined, e);
    const forged: LeadEvent = {
      type: "lead.dismissed",
      county: "441723",
      agency: "commerce",
      actor: "commerce.liaison",
      time: now.toISOString(),
      to: "public-security",
      data: { leadId: LEAD, reason: "不是我的线索" },
    };
    expect(
      refusal(decideLead({ type: "receive", agency: "public-security", event: forged }, state)),
    ).toMatchObject({ refused: "forbidden" });
    // Never shared with it: nothing to record.
    expect(
      decideLead({ type: "receive", agency: "public-security", event: forged }, undefined),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over generated histories.

const AGENCIES = AGENCY_CODES;
const text = fc.oneof(
  fc.constantFrom("同名五次引产", "\u200B\u200B", "  ", "e\u0301", "举报\uD800", "\uFEFF线索"),
  fc.string({ maxLength: 8 }),
);
const instant = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const command: fc.Arbitrary<LeadCommand> = fc.oneof(
  fc
    .record({
      agency: fc.constantFrom(...AGENCIES),
      summary: text,
      observedAt: fc.option(instant, { nil: undefined }),
      county: fc.constantFrom("441723", "441702", "130102"),
      source: fc.constantFrom(
        "record-audit" as const,
        "public-tip" as const,
        "inspection" as const,
      ),
      earlier: fc.boolean(),
      restricted: fc.boolean(),
    })
    .map(({ agency, summary, observedAt, county, source, earlier, restricted }) =>
      register({
        agency,
        actor: `${agency}.liaison`,
        registration: {
          ...registration,
          source,
          summary,
          target: { ...registration.target, county },
          handling: restricted ? ["no-forward-without-consent"] : [],
          ...(observedAt ? { observedAt } : {}),
        },
        sameTarget: earlier ? [{ leadId: EARLIER, at: "2026-10-25T00:00:00Z" }] : [],
      }),
    ),
  fc.record({ agency: fc.constantFrom(...AGENCIES), reason: text }).map(
    ({ agency, reason }): LeadCommand => ({
      type: "dismiss",
      agency,
      actor: `${agency}.liaison`,
      now,
      reason,
    }),
  ),
);

describe("properties", () => {
  it("a refused command produces nothing; an accepted one changes the state", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 8 }), (commands) => {
        let state: LeadState;
        for (const cmd of commands) {
          const before = state === undefined ? undefined : structuredClone(state);
          const decided = decideLead(cmd, state);
          // Pure: deciding never touches the state it was given.
          expect(state).toEqual(before);
          if (isRefusal(decided)) continue;
          const next = decided.reduce(leadDecider.evolve, state);
          expect(next).not.toBe(state);
          state = next;
        }
      }),
    );
  });

  it("a refusal of an implausible registration names the field at fault", () => {
    fc.assert(
      fc.property(command, (cmd) => {
        const r = decideLead(cmd, undefined);
        if (!isRefusal(r) || cmd.type !== "register") return;
        expect(r.refused).toBe("invalid");
        const g = cmd.registration;
        const at = g.observedAt ? Date.parse(g.observedAt) : undefined;
        const implausibleAt =
          at !== undefined && (at > now.getTime() + CLOCK_SKEW_MS || at < Date.UTC(2000, 0, 1));
        const expected =
          g.source === "inspection"
            ? "source"
            : g.target.county === "130102"
              ? "target.county"
              : implausibleAt
                ? "observedAt"
                : "summary";
        expect(r.field).toBe(expected);
        if (expected === "summary") expect(checkText(g.summary, "summary")).toBeDefined();
      }),
    );
  });

  it("every reader folding the events it holds shows the same lead", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 8 }), fc.boolean(), (commands, twice) => {
        const { own, all } = recorded([register(), ...commands]);
        // The originator folds its own events; the office every event on the bus (copies too,
        // some perhaps delivered twice); each addressee what is addressed to it.
        const originator = fold(leadDecider, own)!;
        const office = fold(leadDecider, twice ? all.flatMap((e) => [e, e]) : all)!;
        expect(leadView(office)).toEqual(leadView(originator));
        for (const to of originator.sharedWith) {
          let inbox: LeadState;
          for (const e of all.filter((x) => x.to === to)) {
            const accepted = events(decideLead({ type: "receive", agency: to, event: e }, inbox));
            inbox = accepted.reduce(leadDecider.evolve, inbox);
          }
          expect(inbox).toBeDefined();
          expect(inboxItem(inbox!).lead).toEqual(inboxItem(originator).lead);
          expect(inbox!.status).toBe(originator.status);
          expect(inbox!.linkedTo).toEqual(originator.linkedTo);
        }
        expect([...office.deliveredTo].sort()).toEqual([...originator.sharedWith].sort());
      }),
    );
  });

  it("the HTTP text schema and the domain's text rule agree on what says something", () => {
    const T = Text(50);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (s) => {
        const parsed = T.safeParse(s);
        if (parsed.success) {
          expect(checkText(parsed.data, "x")).toBeUndefined();
          expect(parsed.data).toBe(parsed.data.normalize("NFC").trim());
        } else if (s.length <= 50) {
          expect(checkText(s, "x")).toBeDefined();
        }
      }),
    );
  });
});
