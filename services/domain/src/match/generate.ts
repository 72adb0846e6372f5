import type { MatchRule, RegisterName, RegisterRow, TerminationDrug } from "@liandong/contracts";
import { dayOf } from "./rules.ts";

/**
 * Registers with a known answer (for tests and the benchmark): `perRegister` rows in each
 * pregnancy register and the drug ledger, mostly ordinary lives (a check, a delivery; an
 * approved termination; an early one), with `planted` cases of each rule and as many near
 * misses that must not fire (not yet due, delivered late within the margin, followed up after
 * the expected date, 13 weeks, approved by family planning only, doses at exactly the limit,
 * one overdose too few). Deterministic in `seed`. Dates are days; `today` is what it is as of.
 */
export type Registers = { [R in Exclude<RegisterName, "permit">]: RegisterRow<R>[] };

/** A case the rules must find: the person's ID number and the pregnancy's conception day; or the prescriber and drug. */
export type Expected = { rule: MatchRule; who: string; at: string };

export type Generated = { registers: Registers; expected: Expected[]; today: string };

export const GENERATED_TODAY = "2026-12-01";
const MARGIN = 30;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘";
const GIVEN = "秀英丽娟敏静芳霞燕玲桂兰红梅琴云莲真雪荣爱萍华洁婷";

/** GB 11643 check digit (ISO 7064 MOD 11-2). */
function checkDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i]!;
  return "10X98765432"[sum % 11]!;
}

const EPOCH_1980 = Math.floor(Date.UTC(1980, 0, 1) / 86_400_000);

/** Person `i`: a distinct, valid ID number of a woman born 1980–1999 in 441723, and a name. */
export function person(i: number): { idNumber: string; name: string; birthDate: string } {
  const birth = EPOCH_1980 + (i % 7300);
  const birthDate = dayOf(birth);
  // Women's sequence numbers are even (GB 11643); 500 of them per birth day.
  const seq = String((Math.floor(i / 7300) % 500) * 2).padStart(3, "0");
  const first17 = `441723${birthDate.replaceAll("-", "")}${seq}`;
  const name =
    SURNAMES[i % SURNAMES.length]! +
    GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]! +
    GIVEN[Math.floor(i / (SURNAMES.length * GIVEN.length)) % GIVEN.length]!;
  return { idNumber: first17 + checkDigit(first17), name, birthDate };
}

const day = (s: string) => Math.floor(Date.parse(s) / 86_400_000);

export function generateRegisters(opts: {
  perRegister: number;
  planted: number;
  seed?: number;
}): Generated {
  const { perRegister: n, planted: p } = opts;
  const rnd = mulberry32(opts.seed ?? 17);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const today = day(GENERATED_TODAY);
  // Pregnancies that are due: conceived in 2025 (expected + margin before today).
  const dueConception = () => int(day("2025-01-01"), day("2025-12-31"));
  const r: Registers = {
    ultrasound: [],
    delivery: [],
    termination: [],
    "follow-up": [],
    approval: [],
    "drug-sale": [],
  };
  const expected: Expected[] = [];
  let nextPerson = 0;
  const who = () => person(nextPerson++);
  const facility = () => ["县人民医院", "县妇幼保健院", "某镇卫生院", "某民营诊所"][int(0, 3)]!;
  const id = (reg: string) => `${reg}-${String(r[reg as keyof Registers].length + 1)}`;
  const asRecorded = (w: ReturnType<typeof person>) => ({ idNumber: w.idNumber, name: w.name });

  const ultrasound = (w: ReturnType<typeof person>, conception: number, weeks: number) =>
    r.ultrasound.push({
      recordId: id("ultrasound"),
      ...asRecorded(w),
      checkedOn: dayOf(conception + weeks * 7),
      weeks,
      ...(rnd() < 0.7 ? { expectedOn: dayOf(conception + 280) } : {}),
      facility: facility(),
    });
  const followUp = (
    w: ReturnType<typeof person>,
    on: number,
    pregnant: boolean,
    weeks?: number,
    conception?: number,
  ) =>
    r["follow-up"].push({
      recordId: id("follow-up"),
      ...asRecorded(w),
      visitedOn: dayOf(on),
      pregnant,
      ...(weeks !== undefined ? { weeks } : {}),
      ...(conception !== undefined ? { expectedOn: dayOf(conception + 280) } : {}),
    });
  const delivery = (w: ReturnType<typeof person>, on: number) =>
    r.delivery.push({
      recordId: id("delivery"),
      ...asRecorded(w),
      deliveredOn: dayOf(on),
      facility: facility(),
    });
  const termination = (
    w: ReturnType<typeof person>,
    conception: number,
    weeks: number,
    approvalNumber?: string,
  ) =>
    r.termination.push({
      recordId: id("termination"),
      ...asRecorded(w),
      performedOn: dayOf(conception + weeks * 7),
      weeks,
      method: weeks >= 14 ? "induction" : "termination",
      ...(approvalNumber ? { approvalNumber } : {}),
      facility: facility(),
    });
  const approval = (w: ReturnType<typeof person>, on: number) => {
    const approvalNumber = `计生审〔2025〕${r.approval.length + 1}号`;
    r.approval.push({
      recordId: id("approval"),
      ...asRecorded(w),
      approvedOn: dayOf(on),
      approvalNumber,
    });
    return approvalNumber;
  };

  // Planted (a): registered at 16–20 weeks, by health or family planning, then nothing; some
  // with an earlier pregnancy delivered, some seen not pregnant before the expected date (S4).
  for (let i = 0; i < p; i++) {
    const w = who();
    const c = dueConception();
    const weeks = int(16, 20);
    if (i % 2 === 0) ultrasound(w, c, weeks);
    else followUp(w, c + weeks * 7, true, weeks, c);
    if (i % 3 === 0) {
      const before = c - 400;
      ultrasound(w, before, 20);
      delivery(w, before + 278);
    }
    if (i % 3 === 1) followUp(w, c + (weeks + 6) * 7, false);
    expected.push({ rule: "pregnancy-disappeared", who: w.idNumber, at: dayOf(c) });
  }
  // Planted (a)+(b): registered, then induced later without any approval (S4, S10).
  for (let i = 0; i < p; i++) {
    const w = who();
    const c = dueConception();
    ultrasound(w, c, 16);
    termination(w, c, int(18, 26));
    expected.push({ rule: "pregnancy-disappeared", who: w.idNumber, at: dayOf(c) });
    expected.push({ rule: "unapproved-termination", who: w.idNumber, at: dayOf(c) });
  }
  // Planted (b): an induction at 14 weeks or later, never registered, no approval (or one
  // given too long before to count).
  for (let i = 0; i < p; i++) {
    const w = who();
    const c = dueConception();
    if (i % 2 === 0) approval(w, c - 60);
    termination(w, c, int(14, 24));
    expected.push({ rule: "unapproved-termination", who: w.idNumber, at: dayOf(c) });
  }
  // Near misses of (a) and (b), none of which may fire.
  for (let i = 0; i < p; i++) {
    // Not yet due: registered this year, expected next.
    let w = who();
    let c = int(day("2026-05-01"), day("2026-07-01"));
    ultrasound(w, c, 18);
    // Delivered late, but within the margin.
    w = who();
    c = dueConception();
    ultrasound(w, c, 15);
    delivery(w, c + 280 + MARGIN - 2);
    // Followed up after the expected date (the outcome is known to family planning).
    w = who();
    c = dueConception();
    followUp(w, c + 16 * 7, true, 16, c);
    followUp(w, c + 280 + 5, false);
    // Seen at 13 weeks only.
    w = who();
    c = dueConception();
    ultrasound(w, c, 13);
    // Induced at 20 weeks with family planning's approval (none on health's record).
    w = who();
    c = dueConception();
    ultrasound(w, c, 15);
    approval(w, c + 17 * 7);
    termination(w, c, 20);
  }
  const planted = {
    ultrasound: r.ultrasound.length,
    delivery: r.delivery.length,
    termination: r.termination.length,
    "follow-up": r["follow-up"].length,
    approval: r.approval.length,
  };
  // Approved terminations, a third of the termination register; half of them seen before.
  const approved = Math.max(0, Math.floor(n / 3) - planted.approval);
  for (let i = 0; i < approved && r.termination.length < n; i++) {
    const w = who();
    const c = dueConception();
    const weeks = int(14, 26);
    if (i % 2 === 0) ultrasound(w, c, 14);
    const number = approval(w, c + (weeks - 2) * 7);
    termination(w, c, weeks, i % 5 === 0 ? undefined : number);
  }
  // Early terminations (under 14 weeks), no approval needed: the rest of that register.
  while (r.termination.length < n) termination(who(), dueConception(), int(6, 13));
  // Ordinary pregnancies: checked at 14 weeks or later, followed up, delivered around the date.
  const mothers: { w: ReturnType<typeof person>; c: number }[] = [];
  while (r.ultrasound.length < n) {
    const w = who();
    const c = dueConception();
    ultrasound(w, c, int(14, 30));
    const early = int(8, 13);
    if (r["follow-up"].length < n) followUp(w, c + early * 7, true, early, c);
    delivery(w, c + 280 + int(-14, 14));
    mothers.push({ w, c });
  }
  // Registers still short: deliveries of women first seen early, more visits, more approvals.
  while (r.delivery.length < n) delivery(who(), dueConception() + 280);
  for (let i = 0; r["follow-up"].length < n; i++) {
    const m = mothers[i % Math.max(1, mothers.length)];
    if (m) followUp(m.w, m.c + 20 * 7, true, 20, m.c);
    else followUp(who(), today - 30, true, 8);
  }
  while (r.approval.length < n) approval(who(), dueConception());

  // The drug ledger: prescribers with ordinary doses; planted ones above twice the normal dose
  // three times or more; near misses with two overdoses, or doses exactly twice the normal.
  const normal: Record<TerminationDrug, number> = {
    mifepristone: 200,
    misoprostol: 0.6,
    ethacridine: 100,
  };
  const drugs = Object.keys(normal) as TerminationDrug[];
  const sale = (prescriber: string, drug: TerminationDrug, doseMg: number) =>
    r["drug-sale"].push({
      recordId: id("drug-sale"),
      soldOn: dayOf(int(day("2025-01-01"), day("2026-11-30"))),
      drug,
      doseMg: Math.round(doseMg * 1000) / 1000,
      prescriber: `医师${prescriber}`,
      institution: `药房${Number(prescriber.slice(1)) % 40}`,
    });
  for (let i = 0; i < p; i++) {
    const drug = drugs[i % 3]!;
    const times = int(3, 6);
    for (let k = 0; k < times; k++) sale(`P${i}`, drug, normal[drug] * (2.1 + rnd()));
    expected.push({ rule: "prescriber-overdose", who: `医师P${i}`, at: drug });
    const miss = `N${i}`;
    sale(miss, drug, normal[drug] * 2.5);
    sale(miss, drug, normal[drug] * 2.5);
    for (let k = 0; k < 3; k++) sale(miss, drug, normal[drug] * 2);
    sale(miss, drugs[(i + 1) % 3]!, normal[drugs[(i + 1) % 3]!] * 3);
  }
  const prescribers = Math.max(50, Math.floor(n / 200));
  while (r["drug-sale"].length < n) {
    const drug = drugs[int(0, 2)]!;
    sale(`Q${int(0, prescribers - 1)}`, drug, normal[drug] * (0.5 + rnd() / 2));
  }
  return { registers: r, expected, today: GENERATED_TODAY };
}
