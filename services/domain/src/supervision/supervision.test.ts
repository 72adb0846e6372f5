import { OFFICE } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actorTests, envelope as busEnvelope, readAll, testId } from "../testing.ts";
import { recordSupervision, type SupervisionBusEvent } from "./record.ts";
import {
  type Forwarded,
  type Supervised,
  type SupervisionActor,
  type SupervisionCommand,
  type SupervisionEvent,
  type SupervisionState,
  supervisionDecider,
  supervisionView,
} from "./supervision.ts";

const { decide, evolve, initialState } = supervisionDecider;

const COUNTY = "441723";
const NEIGHBOUR = "441702";
const AGENCIES = ["health", "family-planning", "public-security", "commerce"] as const;
const PARTIES = [OFFICE, ...AGENCIES] as const;
const ORDER = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const REFERRAL = "7d1f0a8e-1b2c-4d3e-8f40-5a6b7c8d9e0f";
const CASE = "0b5a4a4e-7d57-4f5e-9f1e-3a0c8f6c2d11";
const T0 = Date.parse("2026-11-02T00:00:00.000Z");
const DAY = 86_400_000;

const at = (ms: number) => new Date(ms).toISOString();
const party = (agency: string, county = COUNTY): SupervisionActor => ({ agency, county });
const office = party(OFFICE);

const overdueReferral = (agency = "health", county?: string): Supervised => ({
  kind: "referral",
  overdue: true,
  awaiting: county ? { agency, county } : { agency },
});

function issue(
  supervised: Supervised = overdueReferral(),
  more: Partial<Extract<SupervisionCommand, { type: "issue" }>> = {},
): SupervisionCommand {
  return {
    type: "issue",
    at: at(T0),
    eventId: testId(),
    orderId: ORDER,
    about:
      supervised.kind === "referral"
        ? { kind: "referral", id: REFERRAL }
        : { kind: "case", id: CASE },
    reason: "移交逾期未接收，请于三日内办理并回复",
    answerWithinDays: 3,
    supervised,
    ...more,
  };
}
const answer = (ms = T0 + DAY): SupervisionCommand => ({
  type: "answer",
  at: at(ms),
  eventId: testId(),
  answer: "已接收，正在核查",
});
const escalate = (ms = T0 + 4 * DAY): SupervisionCommand => ({
  type: "escalate",
  at: at(ms),
  eventId: testId(),
});

/** The envelope a decided event travels in, as its publisher's log writes it. */
function envelope(e: SupervisionEvent, county = COUNTY): SupervisionBusEvent {
  const to = e.type === "supervision.answered" ? OFFICE : e.data.to;
  const on = { county, kind: "supervision", id: e.data.about.id, to };
  return busEnvelope(e, on) as SupervisionBusEvent;
}

const { run, refusal, played, leavesAlone, forgeries } = actorTests(supervisionDecider, {
  byDefault: office,
  party: (agency) => party(agency),
  publish: (e) => envelope(e),
});

describe("a supervision order", () => {
  it("is issued by the office to the agency whose overdue step it is, answered, and shown", () => {
    const ordered = run(initialState(), issue());
    expect(ordered).toMatchObject({
      status: "open",
      to: "health",
      grounds: "overdue",
      level: 1,
      orderedAt: at(T0),
      answerBy: at(T0 + 3 * DAY),
    });
    const answered = run(ordered, answer(), party("health"));
    expect(answered).toMatchObject({ status: "answered", answer: "已接收，正在核查" });
    if (answered.status === "none") throw new Error("no order");
    expect(supervisionView(answered)).not.toHaveProperty("events");
    expect(supervisionView(answered).answeredAt).toBe(at(T0 + DAY));
  });

  it("goes to the agency that opened an open case", () => {
    const ordered = run(initialState(), issue({ kind: "case", open: true, agency: "commerce" }));
    expect(ordered).toMatchObject({ to: "commerce", grounds: "major-case", about: { id: CASE } });
    const closed = refusal(
      initialState(),
      issue({ kind: "case", open: false, agency: "commerce" }),
    );
    expect(closed.refused).toBe("conflict");
  });

  it("is issued only by the office, only on what is overdue, with a deadline ahead", () => {
    expect(refusal(initialState(), issue(), party("health")).refused).toBe("forbidden");
    const notOverdue = issue({ kind: "referral", overdue: false, awaiting: { agency: "health" } });
    expect(refusal(initialState(), notOverdue)).toMatchObject({ refused: "conflict" });
    expect(refusal(initialState(), issue({ kind: "referral", overdue: true })).refused).toBe(
      "conflict",
    );
    // A neighbour's agency's step is its own county's office's to chase.
    expect(refusal(initialState(), issue(overdueReferral("health", NEIGHBOUR))).refused).toBe(
      "conflict",
    );
    expect(run(initialState(), issue(overdueReferral("health", COUNTY)))).toMatchObject({
      to: "health",
    });
    for (const days of [0, -1, 91, Number.NaN])
      expect(refusal(initialState(), issue(overdueReferral(), { answerWithinDays: days }))).toEqual(
        expect.objectContaining({ refused: "invalid", field: "answerWithinDays" }),
      );
    const mismatched = issue(overdueReferral(), { about: { kind: "case", id: CASE } });
    expect(refusal(initialState(), mismatched)).toMatchObject({ field: "about.kind" });
    expect(refusal(run(initialState(), issue()), issue()).refused).toBe("conflict");
  });

  it("is answered only by the agency addressed, once", () => {
    const ordered = run(initialState(), issue());
    expect(refusal(ordered, answer(), party("public-security")).refused).toBe("forbidden");
    expect(refusal(ordered, answer(), office).refused).toBe("forbidden");
    const answered = run(ordered, answer(), party("health"));
    expect(refusal(answered, answer(), party("health")).refused).toBe("conflict");
    expect(refusal(initialState(), answer(), party("health")).refused).toBe("conflict");
  });

  it("is escalated by the office once, only when overdue and unanswered; still answerable", () => {
    const ordered = run(initialState(), issue());
    expect(refusal(ordered, escalate(T0 + DAY)).refused).toBe("conflict");
    expect(refusal(ordered, escalate(), party("health")).refused).toBe("forbidden");
    const escalated = run(ordered, escalate());
    expect(escalated).toMatchObject({ status: "escalated", level: 2 });
    expect(refusal(escalated, escalate(T0 + 9 * DAY)).refused).toBe("conflict");
    expect(run(escalated, answer(T0 + 5 * DAY), party("health"))).toMatchObject({
      status: "answered",
      level: 2,
    });
    const answered = run(ordered, answer(), party("health"));
    expect(refusal(answered, escalate()).refused).toBe("conflict");
  });

  it("folds an event twice as once", () => {
    const [e] = decide({ command: issue(), actor: office }, initialState()) as SupervisionEvent[];
    const once = evolve(initialState(), e!);
    expect(evolve(once, e!)).toBe(once);
  });
});

describe("an order of the city's office passed on to an agency (转督办)", () => {
  const CITY = "441700";
  const PARENT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
  const fromCity: Forwarded = {
    orderId: PARENT,
    about: { kind: "case", id: CASE },
    to: OFFICE,
    toCounty: COUNTY,
    byCounty: CITY,
    status: "open",
    answerBy: at(T0 + 3 * DAY),
  };
  const forward = (
    more: Partial<Extract<SupervisionCommand, { type: "issue" }>> = {},
    parent: Forwarded = fromCity,
  ) =>
    issue(
      { kind: "case", open: false, agency: "health" },
      { answerWithinDays: 2, forwards: parent, ...more },
    );

  it("goes from the county's office to the agency whose case it is, closed or not, by the city's deadline; the agency answers it", () => {
    const passed = run(initialState(), forward());
    expect(passed).toMatchObject({
      to: "health",
      forwards: PARENT,
      status: "open",
      answerBy: at(T0 + 2 * DAY),
    });
    expect(passed).not.toHaveProperty("toCounty");
    expect(run(passed, answer(), party("health"))).toMatchObject({ status: "answered" });
    // Read off the bus, by the agency and the office alike.
    const [e] = decide({ command: forward(), actor: office }, initialState()) as SupervisionEvent[];
    expect(recordSupervision(initialState(), envelope(e!))).toMatchObject({
      ok: true,
      record: { forwards: PARENT, to: "health" },
    });
  });

  it("is refused past the city's deadline, once the city's order is answered, about another case, or not the city's order to this office", () => {
    expect(refusal(initialState(), forward({ answerWithinDays: 4 }))).toMatchObject({
      refused: "invalid",
      field: "answerWithinDays",
    });
    expect(refusal(initialState(), forward({}, { ...fromCity, status: "answered" })).refused).toBe(
      "conflict",
    );
    expect(
      refusal(initialState(), forward({ about: { kind: "case", id: REFERRAL } })),
    ).toMatchObject({ refused: "invalid", field: "about" });
    expect(refusal(initialState(), forward({}, { ...fromCity, toCounty: NEIGHBOUR })).refused).toBe(
      "conflict",
    );
    const { byCounty: _b, ...ownOffice } = fromCity;
    expect(refusal(initialState(), forward({}, ownOffice as Forwarded)).refused).toBe("conflict");
    expect(refusal(initialState(), forward(), party("health")).refused).toBe("forbidden");
  });
});

describe("a supervision order read off the bus", () => {
  const ordered = decide({ command: issue(), actor: office }, initialState()) as SupervisionEvent[];
  const orderedOn = recordSupervision(initialState(), envelope(ordered[0]!));

  it("takes the office's order, the addressee's answer and the office's escalation", () => {
    expect(orderedOn.ok).toBe(true);
    if (!orderedOn.ok) return;
    const [a] = decide(
      { command: answer(), actor: party("health") },
      orderedOn.record,
    ) as SupervisionEvent[];
    const answered = recordSupervision(orderedOn.record, envelope(a!));
    expect(answered).toMatchObject({ ok: true, record: { status: "answered" } });
  });

  it("refuses an order from an agency, an answer from another agency, a forged addressee", () => {
    const forged = envelope({ ...ordered[0]!, agency: "health" });
    expect(recordSupervision(initialState(), forged)).toMatchObject({
      ok: false,
      refused: { refused: "forbidden" },
    });
    if (!orderedOn.ok) throw new Error("order not recorded");
    const [a] = decide(
      { command: answer(), actor: party("health") },
      orderedOn.record,
    ) as SupervisionEvent[];
    const byOther = envelope({ ...a!, agency: "commerce" });
    expect(recordSupervision(orderedOn.record, byOther).ok).toBe(false);
    // The addressee's own step, but naming another agency as the one answering.
    const namingOther = envelope({
      ...a!,
      data: { ...(a!.data as object), by: "commerce" },
    } as SupervisionEvent);
    expect(recordSupervision(orderedOn.record, namingOther).ok).toBe(false);
    const misaddressed = { ...envelope(ordered[0]!), to: "commerce" } as SupervisionBusEvent;
    expect(recordSupervision(initialState(), misaddressed).ok).toBe(false);
    const early = envelope({
      id: testId(),
      type: "supervision.escalated",
      time: at(T0 + DAY),
      agency: OFFICE,
      data: {
        orderId: ORDER,
        about: { kind: "referral", id: REFERRAL },
        to: "health",
        level: 2,
        reason: "逾期",
      },
    });
    expect(recordSupervision(orderedOn.record, early).ok).toBe(false);
    const [due] = decide(
      { command: escalate(), actor: office },
      orderedOn.record,
    ) as SupervisionEvent[];
    expect(recordSupervision(orderedOn.record, envelope(due!)).ok).toBe(true);
    const skipping = envelope({
      ...due!,
      data: { ...(due!.data as object), level: 5 },
    } as SupervisionEvent);
    expect(recordSupervision(orderedOn.record, skipping).ok).toBe(false);
    const pastDeadline = envelope({
      ...ordered[0]!,
      id: testId(),
      data: { ...(ordered[0]!.data as object), answerBy: at(T0 - DAY) },
    } as SupervisionEvent);
    expect(recordSupervision(initialState(), pastDeadline).ok).toBe(false);
  });
});

// Histories of commands from every party, decided on the order as it stands.
const arbSupervised = fc.oneof(
  fc.record({
    kind: fc.constant("referral" as const),
    overdue: fc.boolean(),
    awaiting: fc.option(
      fc.record({
        agency: fc.constantFrom(...AGENCIES),
        county: fc.constantFrom(COUNTY, NEIGHBOUR),
      }),
      { nil: undefined },
    ),
  }),
  fc.record({
    kind: fc.constant("case" as const),
    open: fc.boolean(),
    agency: fc.constantFrom(...AGENCIES),
  }),
);
const arbCommand = fc.oneof(
  fc.tuple(arbSupervised, fc.double({ min: -2, max: 120, noNaN: true })).map(([s, days]) => {
    const { awaiting, ...rest } = s as Supervised & { awaiting?: unknown };
    const supervised = (awaiting === undefined ? rest : s) as Supervised;
    return issue(supervised, { answerWithinDays: days });
  }),
  fc.integer({ min: 0, max: 200 }).map((h) => answer(T0 + h * 3_600_000)),
  fc.integer({ min: 0, max: 200 }).map((h) => escalate(T0 + h * 3_600_000)),
);
const arbAttempt = fc.tuple(arbCommand, fc.constantFrom(...PARTIES));

/** A reader folding what reaches it with the record fold: refused steps are dead letters. */
const read = (events: SupervisionBusEvent[]) =>
  readAll<SupervisionState, SupervisionBusEvent>(initialState(), events, recordSupervision);

describe("supervision histories", () => {
  it("fold to the decider's state for the office and for the addressed agency", () => {
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 10 }), (attempts) => {
        const { state, published } = played(attempts);
        const atOffice = read(published);
        const to = state.status === "none" ? undefined : state.to;
        // The addressee reads what is addressed to it and what it published itself.
        const atAgency = read(published.filter((e) => e.to === to || e.agency === to));
        expect(atOffice).toEqual(state);
        expect(atAgency).toEqual(state);
        // Delivered twice, nothing changes.
        expect(read([...published, ...published])).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it("are unchanged by every refused command, and decide never changes what it is given", () => {
    leavesAlone(arbAttempt);
  });

  it("take a step from the bus exactly when its publisher could have decided it", () => {
    // Only the party that decided it could have: an answer names its agency (`by`), and the
    // office alone issues and escalates.
    forgeries(arbAttempt, arbCommand, PARTIES, recordSupervision);
  });
});
