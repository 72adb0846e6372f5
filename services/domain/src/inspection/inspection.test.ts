import { OFFICE } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusalMessage } from "../decider.ts";
import {
  actorTests,
  envelope as busEnvelope,
  readAll,
  sampleFindings,
  testId,
} from "../testing.ts";
import {
  type InspectionCommand,
  type InspectionEvent,
  type InspectionPlan,
  inspectionDecider,
  inspectionView,
  participantView,
} from "./inspection.ts";
import { type InspectionBusEvent, recordInspection } from "./record.ts";

const { decide, evolve, initialState } = inspectionDecider;

const COUNTY = "441723";
const AGENCIES = ["health", "drug-regulation", "commerce", "public-security"] as const;
const PARTIES = [OFFICE, ...AGENCIES] as const;
const INSPECTION = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const LEAD = "5d0f4c1a-2b9e-4c1d-8e7f-6a5b4c3d2e1f";
const T0 = Date.parse("2026-11-02T00:00:00.000Z");
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => at(ms).slice(0, 10);

const plan = (more: Partial<InspectionPlan> = {}): InspectionPlan => ({
  title: "城区B超与药店联合检查",
  agencies: ["health", "drug-regulation"],
  targets: [{ kind: "institution", name: "城区某诊所", county: COUNTY }],
  startsOn: day(T0 + DAY),
  endsOn: day(T0 + 3 * DAY),
  ...more,
});

/** Ids by participant, as a route derives them: one per copy, stable for a retry. */
const ids = new Map<string, string>();
const idFor = (to: string) => ids.get(to) ?? ids.set(to, testId()).get(to)!;

const planning = (p = plan(), ms = T0): InspectionCommand => ({
  type: "plan",
  at: at(ms),
  inspectionId: INSPECTION,
  plan: p,
  participants: AGENCIES,
  eventIds: idFor,
});
const findings = (leads: string[] = [], registered: string[] = leads, ms = T0 + 2 * DAY) =>
  ({
    type: "record-findings",
    at: at(ms),
    eventId: testId(),
    findings: sampleFindings(leads),
    leadsRegistered: registered,
  }) satisfies InspectionCommand;

function envelope(e: InspectionEvent): InspectionBusEvent {
  const to = e.type === "inspection.planned" ? e.data.to : OFFICE;
  const aggregate = e.type === "inspection.planned" ? e.data.inspectionId : testId();
  const on = { county: COUNTY, kind: "inspection", id: aggregate, to };
  return busEnvelope(e, on) as InspectionBusEvent;
}

const { run, refusal, played, leavesAlone, forgeries } = actorTests(inspectionDecider, {
  byDefault: OFFICE as string,
  party: (agency) => agency,
  publish: envelope,
});

describe("a joint inspection", () => {
  it("is planned by the office, one copy per participant, and each records its findings", () => {
    const decided = decide(
      {
        command: planning(plan({ agencies: ["health", "drug-regulation", "health"] })),
        actor: OFFICE,
      },
      initialState(),
    ) as InspectionEvent[];
    expect(decided.map((e) => e.type === "inspection.planned" && e.data.to)).toEqual([
      "health",
      "drug-regulation",
    ]);
    const planned = decided.reduce(evolve, initialState());
    expect(planned).toMatchObject({ agencies: ["health", "drug-regulation"], plannedAt: at(T0) });
    const found = run(planned, findings([LEAD]), "health");
    if (found.status === "none") throw new Error("no inspection");
    expect(found.findings.health).toMatchObject({ devicesSealed: 2, recordedAt: at(T0 + 2 * DAY) });
    expect(inspectionView(found)).not.toHaveProperty("events");
    expect(participantView(found, "health").findings?.leads).toEqual([LEAD]);
    expect(participantView(found, "drug-regulation")).not.toHaveProperty("findings");
  });

  it("is planned only by the office, with the county's agencies, on plausible days", () => {
    expect(refusal(initialState(), planning(), "health").refused).toBe("forbidden");
    expect(
      refusal(initialState(), planning(plan({ agencies: ["health", "womens-federation"] }))),
    ).toMatchObject({
      refused: "invalid",
      field: "agencies.1",
    });
    expect(refusal(initialState(), planning(plan({ agencies: [OFFICE] })))).toMatchObject({
      field: "agencies.0",
    });
    expect(
      refusal(
        initialState(),
        planning(plan({ startsOn: day(T0 + 3 * DAY), endsOn: day(T0 + DAY) })),
      ),
    ).toMatchObject({ refused: "invalid", field: "endsOn" });
    expect(
      refusal(initialState(), planning(plan({ startsOn: "1900-01-01", endsOn: "1900-01-02" }))),
    ).toMatchObject({ field: "startsOn" });
    expect(
      refusal(initialState(), planning(plan({ startsOn: day(T0), endsOn: "2099-01-01" }))),
    ).toMatchObject({ field: "endsOn" });
    // A day's inspection, and one recorded after the fact within the year, are plausible.
    expect(
      run(initialState(), planning(plan({ startsOn: day(T0), endsOn: day(T0) }))),
    ).toMatchObject({
      status: "planned",
    });
    expect(
      run(
        initialState(),
        planning(plan({ startsOn: day(T0 - 300 * DAY), endsOn: day(T0 - 299 * DAY) })),
      ),
    ).toMatchObject({ status: "planned" });
    expect(refusal(run(initialState(), planning()), planning()).refused).toBe("conflict");
  });

  it("takes findings only from a participant, once, naming only leads it registered", () => {
    const planned = run(initialState(), planning());
    expect(refusal(planned, findings(), "commerce").refused).toBe("forbidden");
    expect(refusal(planned, findings(), OFFICE).refused).toBe("forbidden");
    expect(refusal(planned, findings([LEAD], []), "health")).toMatchObject({
      refused: "invalid",
      field: "leads.0",
    });
    const found = run(planned, findings(), "health");
    expect(refusal(found, findings(), "health").refused).toBe("conflict");
    expect(run(found, findings(), "drug-regulation")).toMatchObject({
      findings: { health: {}, "drug-regulation": {} },
    });
    expect(refusal(initialState(), findings(), "health").refused).toBe("conflict");
  });
});

describe("a joint inspection read off the bus", () => {
  const planned = decide(
    { command: planning(), actor: OFFICE },
    initialState(),
  ) as InspectionEvent[];

  it("takes every copy of the office's plan, whatever the order, and a participant's findings", () => {
    const inOrder = planned.map(envelope);
    for (const arrivals of [inOrder, [...inOrder].reverse()]) {
      let state = initialState();
      for (const e of arrivals) {
        const r = recordInspection(state, e, { participants: AGENCIES });
        expect(r.ok).toBe(true);
        if (r.ok) state = r.record;
      }
      expect(state).toMatchObject({ agencies: ["health", "drug-regulation"] });
    }
  });

  it("refuses a plan by an agency, a plan's copy that differs, findings of an outsider or of another's lead", () => {
    const forged = envelope({ ...planned[0]!, agency: "health" });
    expect(recordInspection(initialState(), forged).ok).toBe(false);
    const first = recordInspection(initialState(), envelope(planned[0]!));
    if (!first.ok) throw new Error(refusalMessage(first.refused));
    const second = planned[1]! as Extract<InspectionEvent, { type: "inspection.planned" }>;
    const altered = envelope({ ...second, data: { ...second.data, title: "另一次检查" } });
    expect(recordInspection(first.record, altered).ok).toBe(false);
    const misaddressed = { ...envelope(second), to: "commerce" } as InspectionBusEvent;
    expect(recordInspection(first.record, misaddressed).ok).toBe(false);
    // Configured agencies only, as the reader's own configuration names them.
    expect(
      recordInspection(initialState(), envelope(planned[0]!), { participants: ["health"] }).ok,
    ).toBe(false);

    const [f] = decide(
      { command: findings([LEAD]), actor: "health" },
      first.record,
    ) as InspectionEvent[];
    const registeredBy = (lead: string) => (lead === LEAD ? "health" : undefined);
    expect(recordInspection(first.record, envelope(f!), { registeredBy }).ok).toBe(true);
    expect(
      recordInspection(first.record, envelope(f!), { registeredBy: () => "commerce" }).ok,
    ).toBe(false);
    expect(recordInspection(first.record, envelope({ ...f!, agency: "commerce" })).ok).toBe(false);
    const asOther = envelope({
      ...f!,
      data: { ...(f!.data as object), by: "drug-regulation" },
    } as InspectionEvent);
    expect(recordInspection(first.record, asOther).ok).toBe(false);
  });
});

const arbPlan = fc.record({
  agencies: fc.array(fc.constantFrom(...AGENCIES, OFFICE, "procuratorate"), {
    minLength: 1,
    maxLength: 5,
  }),
  starts: fc.integer({ min: -400, max: 400 }),
  length: fc.integer({ min: -3, max: 30 }),
});
const arbCommand = fc.oneof(
  arbPlan.map(({ agencies, starts, length }) =>
    planning(
      plan({
        agencies,
        startsOn: day(T0 + starts * DAY),
        endsOn: day(T0 + (starts + length) * DAY),
      }),
    ),
  ),
  fc.boolean().map((named) => findings(named ? [LEAD] : [], [LEAD])),
);
const arbAttempt = fc.tuple(arbCommand, fc.constantFrom(...PARTIES));

const read = (events: InspectionBusEvent[]) =>
  readAll(initialState(), events, (state, e) =>
    recordInspection(state, e, { participants: AGENCIES }),
  );

describe("joint inspection histories", () => {
  it("fold to the decider's state at the office, and to its own part at each participant", () => {
    fc.assert(
      fc.property(fc.array(arbAttempt, { maxLength: 10 }), (attempts) => {
        const { state, published } = played(attempts);
        expect(read(published)).toEqual(state);
        expect(read([...published, ...published])).toEqual(state);
        if (state.status === "none") return;
        for (const agency of state.agencies) {
          const mine = read(published.filter((e) => e.to === agency || e.agency === agency));
          if (mine.status === "none") throw new Error(`${agency} holds no inspection`);
          expect(participantView(mine, agency)).toEqual(participantView(state, agency));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("are unchanged by every refused command, and decide never changes what it is given", () => {
    leavesAlone(arbAttempt);
  });

  it("take a step from the bus exactly when its publisher could have decided it", () => {
    forgeries(arbAttempt, arbCommand, PARTIES, (state, e) =>
      recordInspection(state, e, { participants: AGENCIES }),
    );
  });
});
