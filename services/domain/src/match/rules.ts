import type {
  AgencyCode,
  Finding,
  MatchConfig,
  PregnancyFact,
  TerminationDrug,
} from "@liandong/contracts";

/**
 * The rules of comparison (数据比对), pure: pseudonymised facts in, findings out. Nothing here
 * sees a name or an ID number: a person is their pseudonym, a row the holder's opaque `ref`.
 * Every rule keys a finding by what it is about (the person and the pregnancy, or the
 * prescriber and the drug), so that running it again on more data finds the same finding.
 */

const DAY_MS = 86_400_000;
/** Days from conception to the expected date when a register gives none (40 weeks). */
const TERM_DAYS = 280;
/** Registrations whose conception dates lie this close belong to one pregnancy. */
const SAME_PREGNANCY_DAYS = 70;

export const dayNumber = (day: string): number => Math.floor(Date.parse(day) / DAY_MS);
export const dayOf = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

const TO_DISAPPEARED: readonly AgencyCode[] = ["family-planning", "health"];
const TO_UNAPPROVED: readonly AgencyCode[] = ["health"];
const TO_OVERDOSE: readonly AgencyCode[] = ["drug-regulation", "health"];

/** A registration of a pregnancy at `minWeeks` or later: an ultrasound, or a follow-up in pregnancy. */
function registers(f: PregnancyFact, minWeeks: number): f is PregnancyFact & { weeks: number } {
  if (f.weeks === undefined || f.weeks < minWeeks) return false;
  return f.kind === "ultrasound" || (f.kind === "follow-up" && f.pregnant === true);
}

type Registration = { fact: PregnancyFact; conception: number; expected: number };

/** One person's registrations grouped into pregnancies, by conception date. */
function pregnancies(regs: Registration[]): Registration[][] {
  regs.sort((a, b) => a.conception - b.conception);
  const out: Registration[][] = [];
  let current: Registration[] = [];
  for (const r of regs) {
    const first = current[0];
    if (first && r.conception - first.conception > SAME_PREGNANCY_DAYS) {
      out.push(current);
      current = [];
    }
    current.push(r);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Rules (a) 孕情消失 and (b) 十四周以上人流引产无审批 over the facts of every register, as of
 * `today` (YYYY-MM-DD). (a): a pregnancy registered at `minWeeks` or later, due (its expected
 * date plus `marginDays` has passed), with no delivery, no approved termination (on health's
 * record or family planning's approval) and no follow-up after the expected date, within its
 * window. (b): a termination or induction at `minWeeks` or later with no approval on health's
 * record and none from family planning in the `approvalWindowDays` before it.
 */
export function comparePregnancies(
  facts: readonly PregnancyFact[],
  today: string,
  config: MatchConfig,
): Finding[] {
  const byPerson = new Map<string, PregnancyFact[]>();
  for (const f of facts) {
    const list = byPerson.get(f.pseudonym);
    if (list) list.push(f);
    else byPerson.set(f.pseudonym, [f]);
  }
  const now = dayNumber(today);
  const found = new Map<string, Finding>();
  for (const [pseudonym, own] of byPerson) {
    for (const f of disappeared(pseudonym, own, now, config)) found.set(f.key, f);
    for (const f of unapproved(pseudonym, own, now, config)) found.set(f.key, f);
  }
  return [...found.values()];
}

function disappeared(
  pseudonym: string,
  own: readonly PregnancyFact[],
  now: number,
  config: MatchConfig,
): Finding[] {
  const regs: Registration[] = [];
  for (const fact of own) {
    if (!registers(fact, config.minWeeks)) continue;
    const conception = dayNumber(fact.on) - fact.weeks * 7;
    const expected = fact.expectedOn ? dayNumber(fact.expectedOn) : conception + TERM_DAYS;
    regs.push({ fact, conception, expected });
  }
  if (regs.length === 0) return [];
  const out: Finding[] = [];
  for (const pregnancy of pregnancies(regs)) {
    const start = pregnancy[0]!.conception;
    let expected = 0;
    for (const r of pregnancy) expected = Math.max(expected, r.expected);
    const due = expected + config.marginDays;
    if (now < due) continue;
    const within = own.filter((f) => {
      const d = dayNumber(f.on);
      return d >= start && d <= due;
    });
    const accounted = within.some(
      (f) =>
        f.kind === "delivery" ||
        f.kind === "approval" ||
        (f.kind === "termination" && f.approved === true) ||
        (f.kind === "follow-up" && dayNumber(f.on) > expected),
    );
    if (accounted) continue;
    out.push({
      key: `pregnancy-disappeared:${pseudonym}:${dayOf(start)}`,
      rule: "pregnancy-disappeared",
      month: dayOf(due).slice(0, 7),
      dueOn: dayOf(due),
      to: [...TO_DISAPPEARED],
      pseudonym,
      facts: within,
    });
  }
  return out;
}

function unapproved(
  pseudonym: string,
  own: readonly PregnancyFact[],
  now: number,
  config: MatchConfig,
): Finding[] {
  const out: Finding[] = [];
  for (const t of own) {
    if (t.kind !== "termination" || t.approved === true) continue;
    if (t.weeks === undefined || t.weeks < config.minWeeks) continue;
    const on = dayNumber(t.on);
    if (on > now) continue;
    const approval = own.find((f) => {
      if (f.kind !== "approval") return false;
      const d = dayNumber(f.on);
      return d <= on && d >= on - config.approvalWindowDays;
    });
    if (approval) continue;
    const conception = on - t.weeks * 7;
    out.push({
      key: `unapproved-termination:${pseudonym}:${dayOf(conception)}`,
      rule: "unapproved-termination",
      month: t.on.slice(0, 7),
      dueOn: t.on,
      to: [...TO_UNAPPROVED],
      pseudonym,
      facts: [t],
    });
  }
  return out;
}

/** One sale on drug regulation's ledger, as its own rule reads it (its ref opaque like any). */
export type LedgerSale = {
  ref: string;
  soldOn: string;
  drug: TerminationDrug;
  doseMg: number;
  prescriber: string;
  institution: string;
};

/**
 * Rule (c) 终止妊娠药品反复超量处方 (scenario S2): a prescriber whose doses of one drug exceed
 * `overdoseMultiple` times its normal dose at least `overdoseTimes` times. Falls due on the day
 * of the sale that made it repeated. Drug regulation's own ledger: no other agency's data.
 */
export function prescriberOverdoses(
  sales: readonly LedgerSale[],
  today: string,
  config: MatchConfig,
): Finding[] {
  const now = dayNumber(today);
  const over = new Map<string, LedgerSale[]>();
  for (const s of sales) {
    const normal = config.normalDoseMg[s.drug];
    if (normal === undefined || s.doseMg <= normal * config.overdoseMultiple) continue;
    if (dayNumber(s.soldOn) > now) continue;
    const k = `${s.prescriber}\u0000${s.drug}`;
    const list = over.get(k);
    if (list) list.push(s);
    else over.set(k, [s]);
  }
  const out: Finding[] = [];
  for (const list of over.values()) {
    if (list.length < config.overdoseTimes) continue;
    list.sort((a, b) => (a.soldOn < b.soldOn ? -1 : a.soldOn > b.soldOn ? 1 : 0));
    const first = list[0]!;
    const dueOn = list[config.overdoseTimes - 1]!.soldOn;
    out.push({
      key: `prescriber-overdose:${first.prescriber}:${first.drug}`,
      rule: "prescriber-overdose",
      month: dueOn.slice(0, 7),
      dueOn,
      to: [...TO_OVERDOSE],
      facts: [],
      prescriber: {
        prescriber: first.prescriber,
        institution: first.institution,
        drug: first.drug,
        sales: list.map((s) => ({ ref: s.ref, soldOn: s.soldOn, drug: s.drug, doseMg: s.doseMg })),
      },
    });
  }
  return out;
}
