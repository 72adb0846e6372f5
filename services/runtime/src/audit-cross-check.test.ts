import { randomUUID } from "node:crypto";
import { sayWhy } from "@liandong/domain";
import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { crossCheck } from "./audit-cross-check.ts";
import { type LogEntry, LogVerifier, type VerifyReport } from "./audit-verify.ts";
import { sha256Hex } from "./hash.ts";
import { CLOCK_SKEW_MS } from "./log-reach.ts";
import { sealOf } from "./seal.ts";
import { signerFromSeed } from "./signing.ts";

// Two neighbouring counties: Ganzhou's health sends leads across the line to Liangzhou, whose log
// holds copies of them (sourced over the link, in the order they were sent). Each county's log is
// read (exported) at its own moment.
const GANZHOU = "620702";
const LIANGZHOU = "620602";
const newSigner = () => signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const health = newSigner();
const liangzhouHealth = newSigner();
const keys = {
  [GANZHOU]: { health: health.publicKey },
  [LIANGZHOU]: { health: liangzhouHealth.publicKey },
};
const T0 = Date.parse("2026-12-07T08:00:00.000Z");

/** Ganzhou health's n-th lead to Liangzhou, sent `n` minutes after T0, as its publisher seals it. */
function sent(n: number, summary = `跨县线索 ${n}`): LogEntry {
  const id = randomUUID();
  const bytes = Buffer.from(
    JSON.stringify({
      specversion: "1.0",
      id,
      source: `liandong:${GANZHOU}:health`,
      type: "lead.shared",
      time: new Date(T0 + n * 60_000).toISOString(),
      subject: id,
      county: GANZHOU,
      agency: "health",
      actor: "health.liaison",
      aggregate: { kind: "lead", id },
      prev: null,
      data: { summary },
    }),
  );
  const subject = `ld.ev.${GANZHOU}.health.lead.${id}.health.${LIANGZHOU}`;
  return { seq: n, subject, bytes, seal: sealOf(health, subject, sha256Hex(bytes)) };
}

/** A county's log as read: its entries numbered in its own stream order. */
function read(county: string, entries: readonly LogEntry[]): VerifyReport {
  const v = new LogVerifier({ keys: keys[county as keyof typeof keys], county });
  entries.forEach((e, i) => {
    v.add({ ...e, seq: i + 1 });
  });
  return v.finish();
}

const events = Array.from({ length: 6 }, (_, i) => sent(i + 1));
/** Liangzhou's log, taken after all six arrived (a little of its own work between). */
const liangzhou = read(LIANGZHOU, events);

describe("crossCheck across two exports taken at two moments", () => {
  it("holds what was sent after the sender's export was taken as pending, not as forged", () => {
    // Ganzhou's export was taken after its fourth lead: the fifth and sixth were sent after.
    const ganzhou = read(GANZHOU, events.slice(0, 4));
    const r = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou }, { keys });
    expect(r.findings).toEqual([]);
    expect(r.pending.map((e) => [e.heldBy, e.county, e.agency, e.seq])).toEqual([
      [LIANGZHOU, GANZHOU, "health", 5],
      [LIANGZHOU, GANZHOU, "health", 6],
    ]);
    // Taken at that moment: the two were stamped after it.
    const takenAt = { [GANZHOU]: new Date(T0 + 4.5 * 60_000).toISOString() };
    const timed = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou }, { keys, takenAt });
    expect(timed.findings).toEqual([]);
    expect(timed.pending).toHaveLength(2);
    // Taken the other way round (Liangzhou's first): what is in flight is nobody's finding.
    const early = read(LIANGZHOU, events.slice(0, 2));
    const both = read(GANZHOU, events);
    expect(crossCheck({ [GANZHOU]: both, [LIANGZHOU]: early }, { keys })).toEqual({
      findings: [],
      pending: [],
    });
  });

  it("names an event the sender's log never sent among what it did send", () => {
    const ganzhou = read(GANZHOU, events.slice(0, 4));
    // Changed in Liangzhou's copy: its bytes are no longer what Ganzhou sealed and sent.
    const changed = [...events];
    changed[1] = { ...sent(2, "伪造的线索"), seal: events[1]!.seal };
    const r = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: read(LIANGZHOU, changed) }, { keys });
    expect(r.findings).toEqual([
      expect.objectContaining({
        kind: "forged",
        agency: "health",
        seq: 2,
        code: "audit.never-sent",
        because: { code: "audit.sent-before-later" },
      }),
    ]);
    expect(sayWhy(r.findings[0]!, "en")).toContain(`${GANZHOU}'s log never sent`);
    // Only the two sent after the export are pending.
    expect(r.pending.map((e) => e.seq)).toEqual([5, 6]);
  });

  it("names an event the sender's log lost, though its own seal verifies", () => {
    // Ganzhou's log no longer holds its second lead; what it sent after is there.
    const ganzhou = read(GANZHOU, [events[0]!, ...events.slice(2, 4)]);
    const r = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou }, { keys });
    expect(r.findings.map((f) => [f.kind, f.seq])).toEqual([["forged", 2]]);
    expect(r.pending.map((e) => e.seq)).toEqual([5, 6]);
  });

  it("names what follows the sender's export unless its agency sealed it", () => {
    const ganzhou = read(GANZHOU, events.slice(0, 4));
    const unsealed = { ...sent(7), seal: undefined };
    const wrongKey = sent(8);
    const sealedElsewhere = {
      ...wrongKey,
      seal: sealOf(liangzhouHealth, wrongKey.subject, sha256Hex(wrongKey.bytes)),
    };
    const r = crossCheck(
      {
        [GANZHOU]: ganzhou,
        [LIANGZHOU]: read(LIANGZHOU, [...events, unsealed, sealedElsewhere]),
      },
      { keys },
    );
    expect(
      r.findings.map((f) => [f.kind, f.seq, f.because?.code, sayWhy(f.because!, "zh")]),
    ).toEqual([
      ["forged", 7, "seal.missing", "未经卫生健康部门的发布者封印（没有 Liandong-Seal 消息头）"],
      ["forged", 8, "seal.not-verified", `封印与甘州区（${GANZHOU}）卫生健康部门的公钥不符`],
    ]);
    expect(r.pending.map((e) => e.seq)).toEqual([5, 6]);
    // Without Ganzhou's keys nothing can be held pending.
    const blind = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou });
    expect(blind.pending).toEqual([]);
    expect(blind.findings.map((f) => f.seq)).toEqual([5, 6]);
  });

  it("names what was sent well before the sender's export was taken, yet is not in it", () => {
    // Ganzhou's log, read an hour after its sixth lead, ends after its fourth: cut short.
    const ganzhou = read(GANZHOU, events.slice(0, 4));
    const takenAt = { [GANZHOU]: new Date(T0 + 66 * 60_000).toISOString() };
    const r = crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou }, { keys, takenAt });
    expect(r.pending).toEqual([]);
    expect(r.findings.map((f) => [f.kind, f.seq])).toEqual([
      ["forged", 5],
      ["forged", 6],
    ]);
    expect(r.findings[0]!.because?.code).toBe("audit.sent-before-read");
    expect(sayWhy(r.findings[0]!, "en")).toContain(`before county ${GANZHOU}'s log was read`);
    // Within the clocks' skew of the read, it may still have been in flight.
    const close = { [GANZHOU]: new Date(T0 + 6 * 60_000 + CLOCK_SKEW_MS - 1).toISOString() };
    expect(
      crossCheck({ [GANZHOU]: ganzhou, [LIANGZHOU]: liangzhou }, { keys, takenAt: close }).pending,
    ).toHaveLength(1);
  });
});
