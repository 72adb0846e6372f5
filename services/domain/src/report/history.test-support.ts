// Generated bus histories for the monthly figures' tests: what happened in a county and its
// neighbour, as the events the bus would carry, and what each reader of a county sees of them.
import { type BusEvent, OFFICE, parseEvent } from "@liandong/contracts";
import fc from "fast-check";
import { AGENCY_CODES, envelope } from "../testing.ts";

export const HOME = "620702";
export const NEIGHBOUR = "620602";
export const AGENCIES = AGENCY_CODES;
const VIOLATIONS = [
  "sex-selective-termination",
  "illegal-sex-determination",
  "intermediary",
] as const;

/** Instants around two month ends in China's time (31 March 16:00 UTC is 1 April 00:00 +08:00). */
const instant = fc
  .integer({ min: Date.parse("2026-03-29T00:00:00Z"), max: Date.parse("2026-05-02T00:00:00Z") })
  .map((ms) => new Date(ms).toISOString());
const county = fc.constantFrom(HOME, NEIGHBOUR);
const agency = fc.constantFrom(...AGENCIES);
const violations = fc.subarray([...VIOLATIONS], { minLength: 1 });

/** One thing that happened, from which the bus's events follow. */
const happening = fc.oneof(
  fc.record({
    kind: fc.constant("lead" as const),
    county,
    agency,
    at: instant,
    violations,
    recipients: fc.subarray([...AGENCIES]),
    across: fc.option(fc.record({ agencies: fc.subarray([...AGENCIES]), at: instant }), {
      nil: undefined,
    }),
  }),
  fc.record({
    kind: fc.constant("case" as const),
    county,
    agency,
    at: instant,
    violations,
    closed: fc.option(
      fc.record({
        at: instant,
        fine: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: undefined }),
        revoke: fc.boolean(),
        judiciary: fc.boolean(),
      }),
      { nil: undefined },
    ),
  }),
  fc.record({
    kind: fc.constant("overdue" as const),
    county,
    holder: agency,
    at: instant,
    deadlines: fc.subarray(["acceptance", "feedback"] as const, { minLength: 1 }),
  }),
  fc.record({
    kind: fc.constant("inspection" as const),
    county,
    // The route refuses a second recording of one agency's findings (and its event id is fixed).
    findings: fc.uniqueArray(
      fc.record({
        agency,
        at: instant,
        institutions: fc.integer({ min: 0, max: 20 }),
        devices: fc.integer({ min: 0, max: 5 }),
        drugs: fc.integer({ min: 0, max: 100 }),
      }),
      { minLength: 1, maxLength: 4, selector: (f) => f.agency },
    ),
  }),
  // Events that count for no one: a share whose envelope names another addressee than its data,
  // a report submitted, a referral offered.
  fc.record({ kind: fc.constant("noise" as const), county, agency, to: agency, at: instant }),
);

let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`;

function event(e: {
  type: string;
  county: string;
  agency: string;
  kind: string;
  id: string;
  time: string;
  to?: string | undefined;
  toCounty?: string | undefined;
  data: unknown;
}): BusEvent {
  const parsed = parseEvent(
    envelope(
      { ...e, id: uuid() },
      { county: e.county, kind: e.kind, id: e.id, to: e.to, toCounty: e.toCounty },
    ),
  );
  if (!parsed.ok) throw new Error(`${e.type}: ${JSON.stringify(parsed.issues)}`);
  return parsed.event;
}

const facts = (leadId: string, v: readonly string[], county: string) => ({
  leadId,
  source: "record-audit",
  violations: v,
  target: { kind: "institution", name: "某镇卫生院", county },
  summary: "病历档案核查发现异常引产记录",
  evidence: [],
  handling: [],
});

/**
 * A lead shared by its originator (`h`) with an agency (`to`, across the county line to
 * `toCounty`), its data naming `named` (a forgery when that is not the addressee).
 */
function shared(
  h: { county: string; agency: string },
  lead: ReturnType<typeof facts>,
  at: { time: string; to: string; toCounty?: string },
  named = at.to,
): BusEvent {
  const { leadId } = lead;
  return event({
    type: "lead.shared",
    county: h.county,
    agency: h.agency,
    kind: "lead",
    id: leadId,
    ...at,
    data: { leadId, to: named, originator: h.agency, reason: "source:record-audit", lead },
  });
}

/** The events of one happening, in the order they are published. */
function eventsOf(h: Happening): BusEvent[] {
  const other = h.county === HOME ? NEIGHBOUR : HOME;
  switch (h.kind) {
    case "lead": {
      const leadId = uuid();
      const lead = facts(leadId, h.violations, h.county);
      const out = [
        event({
          type: "lead.reported",
          county: h.county,
          agency: h.agency,
          kind: "lead",
          id: leadId,
          time: h.at,
          data: { ...lead, targetKey: "b".repeat(64), recipients: h.recipients },
        }),
      ];
      for (const to of h.recipients.filter((a) => a !== h.agency))
        out.push(shared(h, lead, { time: h.at, to }));
      for (const to of h.across?.agencies ?? [])
        out.push(shared(h, lead, { time: h.across!.at, to, toCounty: other }));
      return out;
    }
    case "case": {
      const caseId = uuid();
      const out = [
        event({
          type: "case.opened",
          county: h.county,
          agency: h.agency,
          kind: "case",
          id: caseId,
          time: h.at,
          data: {
            caseId,
            agency: h.agency,
            title: "某镇卫生院非医学需要引产案",
            violations: h.violations,
            target: { kind: "institution", name: "某镇卫生院", county: h.county },
          },
        }),
      ];
      const c = h.closed;
      if (c) {
        const sanctions = [
          ...(c.fine ? [{ kind: "fine", amountYuan: c.fine, against: "某镇卫生院" }] : []),
          ...(c.revoke ? [{ kind: "revoke-institution-licence", against: "某镇卫生院" }] : []),
          ...(c.judiciary ? [{ kind: "transfer-to-judiciary", against: "某医生" }] : []),
        ];
        out.push(
          event({
            type: "case.closed",
            county: h.county,
            agency: h.agency,
            kind: "case",
            id: caseId,
            // Closed no earlier than opened.
            time: [c.at, h.at].sort()[1]!,
            data: { caseId, summary: "查实并处罚", sanctions },
          }),
        );
      }
      return out;
    }
    case "overdue": {
      const referralId = uuid();
      return h.deadlines.map((deadline) =>
        event({
          type: "supervision.overdue",
          county: h.county,
          agency: OFFICE,
          kind: "supervision",
          id: referralId,
          time: h.at,
          to: h.holder,
          data: { referralId, deadline, dueAt: h.at, holder: h.holder, statusSeen: "offered" },
        }),
      );
    }
    case "inspection": {
      const inspectionId = uuid();
      const participants = [...new Set(h.findings.map((f) => f.agency))];
      const out = participants.map((to) =>
        event({
          type: "inspection.planned",
          county: h.county,
          agency: OFFICE,
          kind: "inspection",
          id: inspectionId,
          time: h.findings[0]!.at,
          to,
          data: {
            inspectionId,
            title: "联合检查",
            agencies: participants,
            targets: [{ kind: "institution", name: "城区某诊所", county: h.county }],
            startsOn: "2026-04-01",
            endsOn: "2026-04-02",
            to,
          },
        }),
      );
      for (const f of h.findings)
        out.push(
          event({
            type: "inspection.findings-recorded",
            county: h.county,
            agency: f.agency,
            kind: "inspection",
            id: uuid(),
            time: f.at,
            to: OFFICE,
            data: {
              inspectionId,
              by: f.agency,
              institutionsChecked: f.institutions,
              devicesSealed: f.devices,
              drugsConfiscated: f.drugs,
              advertsRemoved: 0,
            },
          }),
        );
      return out;
    }
    case "noise": {
      const leadId = uuid();
      const lead = facts(leadId, ["intermediary"], h.county);
      const named = AGENCIES.find((a) => a !== h.to)!;
      return [
        shared(h, lead, { time: h.at, to: h.to }, named),
        event({
          type: "report.submitted",
          county: h.county,
          agency: h.agency,
          kind: "report",
          id: uuid(),
          time: h.at,
          to: OFFICE,
          data: {
            month: "2026-04",
            agency: h.agency,
            figures: {
              leadsRegistered: 9,
              leadsReceived: 9,
              casesOpened: 9,
              casesClosed: 9,
              finesYuan: 9,
              revocations: 9,
              judiciaryTransfers: 9,
              referralsOverdue: 9,
              inspections: 9,
              institutionsChecked: 9,
              devicesSealed: 9,
              drugsConfiscated: 9,
            },
          },
        }),
      ];
    }
  }
}
type Happening = typeof happening extends fc.Arbitrary<infer H> ? H : never;

/**
 * A bus history: the events of both counties, in the order they were published (each
 * happening's events in its own order, happenings interleaved as generated).
 */
export const history = fc.array(happening, { maxLength: 30 }).map((hs) => hs.flatMap(eventsOf));

/** What the office of `county` reads: its county's EVENTS stream, neighbours' events addressed to it included. */
export const officeSees = (events: readonly BusEvent[], county: string) =>
  events.filter((e) => e.county === county || e.toCounty === county);

/**
 * What an agency of `county` reads: its own events (its publisher subjects) and its inbox (what
 * is addressed to it in the county, and from neighbours across the line).
 */
export const agencySees = (events: readonly BusEvent[], county: string, agency: string) => ({
  own: events.filter((e) => e.county === county && e.agency === agency),
  inbox: events.filter(
    (e) =>
      e.to === agency &&
      ((e.county === county && e.toCounty === undefined) || e.toCounty === county),
  ),
});
