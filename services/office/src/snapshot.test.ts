import { createLogger, SealedAhead, type Signer, signerFromSeed } from "@liandong/runtime";
import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { newBreakGlassLog } from "./break-glass.ts";
import type { Cases } from "./cases.ts";
import { newCityLink } from "./city-link.ts";
import { newInspections } from "./inspections.ts";
import type { ReferralTracker } from "./referral-tracker.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  type Projections,
  SNAPSHOT_SCHEMA,
  snapshotSigningText,
} from "./snapshot.ts";
import { Statistics } from "./statistics.ts";
import { newSupervision } from "./supervision.ts";
import { Witnessing } from "./witness.ts";

const COUNTY = "441723";
const signer = (): Signer => signerFromSeed(new TextDecoder().decode(createUser().getSeed()));

function projections(office: Signer, checkpoints: Record<string, number> = {}): Projections {
  const referrals: ReferralTracker = new Map();
  const cases: Cases = new Map();
  return {
    checkpoints: () => checkpoints,
    tracker: new Map(),
    referrals,
    cases,
    supervision: newSupervision(),
    stats: new Statistics(COUNTY, { cases, referrals }),
    submissions: new Map(),
    inspections: newInspections(),
    breakGlass: newBreakGlassLog(),
    findings: new Map(),
    link: newCityLink({ county: COUNTY, config: {} as never }),
    witnessing: new Witnessing({
      county: COUNTY,
      neighbours: [],
      officeKeys: {},
      signer: office,
      clock: () => new Date(),
      logger: createLogger("test", "silent"),
      heads: () => {
        throw new Error("not asked");
      },
      append: () => {
        throw new Error("not asked");
      },
      everyMs: 1000,
    }),
    sealedAhead: new SealedAhead(),
  };
}

const covered = { seq: 42, hash: "a".repeat(64) };
const encoded = (office: Signer, p = projections(office)) =>
  Buffer.concat(encodeSnapshot(p, { county: COUNTY, covered, signer: office, at: new Date() }));
const problem = (bytes: Uint8Array, key: string, county = COUNTY) => {
  const d = decodeSnapshot(bytes, { county, key });
  return "problem" in d ? d.problem : undefined;
};

describe("the office's snapshot", () => {
  it("reads back what it holds, for the office that wrote it", () => {
    const office = signer();
    const p = projections(office, { health: 7, commerce: 40 });
    p.cases.set("c1", { status: "open" } as never);
    p.supervision.seen.set("s1", 3);
    p.sealedAhead.take(COUNTY, "health", "b".repeat(64));
    const d = decodeSnapshot(encoded(office, p), { county: COUNTY, key: office.publicKey });
    if ("problem" in d) throw new Error(d.problem);
    expect(d.covered).toEqual(covered);
    // Where each agency's latest checkpoint at the cut stands: read again at the next start.
    expect(d.checkpoints).toEqual({ health: 7, commerce: 40 });
    const back = projections(office);
    d.restore(back);
    expect(back.cases).toEqual(p.cases);
    expect(back.supervision.seen).toEqual(p.supervision.seen);
    expect(back.sealedAhead.taken()).toEqual({ [`${COUNTY}.health`]: "b".repeat(32) });
  });

  it("keeps one frozen list where the office held one, as a replay of the log holds it", () => {
    const office = signer();
    const p = projections(office);
    // The domain's interned list of a lead's violations, referred to by the lead's referrals.
    const violations = Object.freeze(["illegal-sex-determination"]);
    const none = Object.freeze({});
    for (const id of ["r1", "r2"])
      p.referrals.set(id, { referralId: id, violations, overdue: none } as never);
    p.referrals.records = new Map([["r1", { referralId: "r1", lead: { violations } } as never]]);
    const d = decodeSnapshot(encoded(office, p), { county: COUNTY, key: office.publicKey });
    if ("problem" in d) throw new Error(d.problem);
    const back = projections(office);
    d.restore(back);
    const [r1, r2] = [back.referrals.get("r1")!, back.referrals.get("r2")!];
    expect(r1.violations).toEqual(violations);
    expect(r2.violations).toBe(r1.violations);
    expect(Object.isFrozen(r1.violations)).toBe(true);
    // Replaced, never written into: frozen after a restore as after a replay.
    expect(r2.overdue).toBe(r1.overdue);
    expect(Object.isFrozen(r1.overdue)).toBe(true);
    // Read lazily, the record refers to the same list.
    expect(
      (back.referrals.records!.get("r1") as never as { lead: { violations: unknown } }).lead
        .violations,
    ).toBe(r1.violations);
  });

  it("is refused when of another version, county or key, even signed by the office", () => {
    const office = signer();
    const bytes = encoded(office);
    expect(problem(bytes, office.publicKey)).toBeUndefined();
    expect(problem(bytes, office.publicKey, "620702")).toMatch(/county/);
    expect(problem(bytes, signer().publicKey)).toMatch(/key/);
    // Another schema, signed as the office signs: still refused.
    const end = bytes.indexOf(10);
    const { signature: _, ...header } = JSON.parse(bytes.subarray(0, end).toString());
    // An older one too (schema 3 wrote frozen lists as copies): the whole log is replayed.
    for (const schema of [SNAPSHOT_SCHEMA + 1, SNAPSHOT_SCHEMA - 1]) {
      const other = { ...header, schema };
      const resigned = Buffer.concat([
        Buffer.from(
          `${JSON.stringify({ ...other, signature: office.sign(snapshotSigningText(other)) })}\n`,
        ),
        bytes.subarray(end + 1),
      ]);
      expect(problem(resigned, office.publicKey)).toMatch(/schema/);
    }
  });
});
