import type { BusEvent, MonthlyFigures } from "@liandong/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addFact,
  addOwnFact,
  closureRate,
  countyTotal,
  evolveFigures,
  FIGURE_NAMES,
  type FiguresBook,
  figureFact,
  figuresOf,
  initialFigures,
} from "./figures.ts";
import {
  AGENCIES,
  agencySees,
  HOME,
  history,
  NEIGHBOUR,
  officeSees,
} from "./history.test-support.ts";

const MONTHS = ["2026-03", "2026-04", "2026-05"];

/** A history, and the same events in another order. */
const withShuffled = history.chain((events) =>
  fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
);

const officeFold = (events: readonly BusEvent[], county: string) =>
  officeSees(events, county).reduce(evolveFigures, initialFigures(county));

/**
 * As an agency folds: each delivery of its two consumers as it comes (own events and inbox
 * interleaved, some delivered again), its own facts only, each fact once by its key.
 */
function agencyFold(deliveries: readonly BusEvent[], county: string, agency: string): FiguresBook {
  const seen = new Set<string>();
  let book = initialFigures(county);
  for (const e of deliveries) {
    const fact = figureFact(e, county);
    if (!fact || fact.agency !== agency || seen.has(fact.key)) continue;
    seen.add(fact.key);
    book = addFact(book, fact);
  }
  return book;
}

/** Two consumers' deliveries merged in an arbitrary order, each in its own order, with redeliveries. */
const deliveries = (own: readonly BusEvent[], inbox: readonly BusEvent[]) =>
  fc
    .record({
      picks: fc.array(fc.boolean(), {
        minLength: own.length + inbox.length,
        maxLength: own.length + inbox.length,
      }),
      again: fc.array(fc.nat(), { maxLength: 5 }),
    })
    .map(({ picks, again }) => {
      const out: BusEvent[] = [];
      let i = 0;
      let j = 0;
      for (const p of picks) {
        if ((p && i < own.length) || j >= inbox.length) out.push(own[i++]!);
        else out.push(inbox[j++]!);
      }
      // A redelivery comes after the first delivery of the same message.
      for (const n of again) if (out.length > 0) out.push(out[n % out.length]!);
      return out;
    });

describe("the monthly figures: one fold, whoever reads", () => {
  it("gives every agency the same figures from the events it sees as the office from the whole bus", () => {
    fc.assert(
      fc.property(
        history.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.tuple(
              ...AGENCIES.map((a) => {
                const seen = agencySees(events, HOME, a);
                return deliveries(seen.own, seen.inbox);
              }),
            ),
          ),
        ),
        ([events, perAgency]) => {
          const office = officeFold(events, HOME);
          AGENCIES.forEach((agency, i) => {
            const own = agencyFold(perAgency[i]!, HOME, agency);
            for (const month of MONTHS)
              expect(figuresOf(own, month, agency), `${agency} ${month}`).toEqual(
                figuresOf(office, month, agency),
              );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes into a book its caller owns what the pure fold gives, counting the same facts", () => {
    fc.assert(
      fc.property(withShuffled, ([events, shuffled]) => {
        for (const county of [HOME, NEIGHBOUR]) {
          let pure = initialFigures(county);
          const owned = initialFigures(county);
          for (const e of [...shuffled, ...events]) {
            const fact = figureFact(e, county);
            if (!fact) continue;
            const before = pure;
            pure = addFact(pure, fact);
            expect(addOwnFact(owned, fact), e.type).toBe(pure !== before);
          }
          expect(owned).toEqual(pure);
        }
      }),
    );
  });

  it("does not depend on the order events are folded in", () => {
    fc.assert(
      fc.property(withShuffled, ([events, shuffled]) => {
        const a = officeFold(events, HOME);
        const b = officeFold(shuffled, HOME);
        for (const month of MONTHS) {
          for (const agency of AGENCIES)
            expect(figuresOf(b, month, agency)).toEqual(figuresOf(a, month, agency));
          expect(countyTotal(b, month, AGENCIES)).toEqual(countyTotal(a, month, AGENCIES));
        }
      }),
    );
  });

  it("totals the rows, each joint inspection counted once however many agencies took part", () => {
    fc.assert(
      fc.property(history, (events) => {
        for (const county of [HOME, NEIGHBOUR]) {
          const book = officeFold(events, county);
          for (const month of MONTHS) {
            const rows = AGENCIES.map((a) => figuresOf(book, month, a));
            const total = countyTotal(book, month, AGENCIES);
            for (const k of FIGURE_NAMES) {
              const sum = rows.reduce((n, f) => n + f[k], 0);
              if (k === "inspections") {
                // The distinct inspections with findings in the month.
                const distinct = new Set(
                  officeSees(events, county).flatMap((e) =>
                    e.type === "inspection.findings-recorded" &&
                    figureFact(e, county)?.month === month
                      ? [e.data.inspectionId]
                      : [],
                  ),
                );
                expect(total.inspections).toBe(distinct.size);
                expect(total.inspections).toBeLessThanOrEqual(sum);
              } else expect(total[k], k).toBe(sum);
            }
          }
        }
      }),
    );
  });
});

describe("what each event counts", () => {
  const fold = (events: BusEvent[], county = HOME) =>
    events.reduce(evolveFigures, initialFigures(county));
  const sample = (events: readonly BusEvent[], type: string) => events.find((e) => e.type === type);

  it("counts an event in its month in China's time", () => {
    const [e] = fc
      .sample(
        history.filter((h) => h.some((e) => e.type === "lead.reported" && e.county === HOME)),
        { numRuns: 1, seed: 7 },
      )[0]!
      .filter((e) => e.type === "lead.reported" && e.county === HOME);
    const at = (time: string) => ({ ...e!, time }) as BusEvent;
    // 23:59:59.999 on 31 March in China, then midnight on 1 April.
    const book = fold([
      at("2026-03-31T15:59:59.999Z"),
      at("2026-03-31T16:00:00.000Z"),
      at("2026-04-01T00:30:00+08:00"),
    ]);
    expect(figuresOf(book, "2026-03", e!.agency).leadsRegistered).toBe(1);
    expect(figuresOf(book, "2026-04", e!.agency).leadsRegistered).toBe(2);
  });

  it("counts one joint inspection once in the total, and an agency's findings on it once", () => {
    const events = fc.sample(history, { numRuns: 50, seed: 11 }).flat();
    const findings = events.filter(
      (e): e is Extract<BusEvent, { type: "inspection.findings-recorded" }> =>
        e.type === "inspection.findings-recorded" && e.county === HOME,
    );
    const one = findings[0]!;
    const month = figureFact(one, HOME)!.month;
    const by = (agency: string, time = one.time) =>
      ({ ...one, agency, time, data: { ...one.data, by: agency } }) as BusEvent;
    const book = fold([by("health"), by("drug-regulation"), by("health")]);
    expect(figuresOf(book, month, "health").inspections).toBe(1);
    expect(figuresOf(book, month, "health").institutionsChecked).toBe(one.data.institutionsChecked);
    expect(figuresOf(book, month, "drug-regulation").inspections).toBe(1);
    expect(countyTotal(book, month, AGENCIES).inspections).toBe(1);
    // Only the agencies the report covers: the inspection is theirs or not.
    expect(countyTotal(book, month, ["commerce"]).inspections).toBe(0);
  });

  it("counts a lead shared across the county line where it arrives, and a share naming another addressee for no one", () => {
    const events = fc.sample(history, { numRuns: 50, seed: 3 }).flat();
    const across = events.find((e) => e.type === "lead.shared" && e.toCounty !== undefined)!;
    expect(figureFact(across, across.county)).toBeUndefined();
    const fact = figureFact(across, across.toCounty!)!;
    expect(fact).toMatchObject({ agency: across.to, add: { leadsReceived: 1 } });
    const misaddressed = {
      ...across,
      to: across.to === "health" ? "commerce" : "health",
    } as BusEvent;
    expect(figureFact(misaddressed, across.toCounty!)).toBeUndefined();
    expect(sample(events, "report.submitted")).toBeDefined();
    expect(figureFact(sample(events, "report.submitted")!, HOME)).toBeUndefined();
  });

  it("counts a closure's fines, revocations and transfers to the judiciary for the closing agency", () => {
    const events = fc.sample(history, { numRuns: 80, seed: 5 }).flat();
    const closed = events.find(
      (e) => e.type === "case.closed" && e.data.sanctions.length === 3,
    ) as Extract<BusEvent, { type: "case.closed" }>;
    const fine = closed.data.sanctions.find((s) => s.kind === "fine");
    expect(figureFact(closed, closed.county)).toMatchObject({
      agency: closed.agency,
      add: {
        casesClosed: 1,
        finesYuan: fine && "amountYuan" in fine ? fine.amountYuan : 0,
        revocations: 1,
        judiciaryTransfers: 1,
      },
    });
  });

  it("gives no rate over nothing", () => {
    const none = figuresOf(initialFigures(HOME), "2026-04", "health");
    expect(closureRate(none)).toBeNull();
    expect(closureRate({ ...none, casesOpened: 3, casesClosed: 1 } as MonthlyFigures)).toBe(0.333);
  });
});
