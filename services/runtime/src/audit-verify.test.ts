import { randomUUID } from "node:crypto";
import { checkpointSigningText } from "@liandong/contracts";
import { sayWhy } from "@liandong/domain";
import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { type LogEntry, LogVerifier } from "./audit-verify.ts";
import { sha256Hex } from "./hash.ts";
import { sealOf } from "./seal.ts";
import { signerFromSeed } from "./signing.ts";

const COUNTY = "441723";
const seedOf = () => new TextDecoder().decode(createUser().getSeed());
const signers = { health: signerFromSeed(seedOf()), "public-security": signerFromSeed(seedOf()) };
const keys = {
  health: signers.health.publicKey,
  "public-security": signers["public-security"].publicKey,
};

type Agency = keyof typeof signers;

/** An event's bytes as the runtime writes its envelope. */
function eventBytes(e: {
  agency: string;
  county?: string;
  kind: string;
  aggregate: string;
  type: string;
  prev: string | null;
  data: unknown;
  id?: string;
}): Buffer {
  const county = e.county ?? COUNTY;
  return Buffer.from(
    JSON.stringify({
      specversion: "1.0",
      id: e.id ?? randomUUID(),
      source: `liandong:${county}:${e.agency}`,
      type: e.type,
      time: "2026-12-05T00:00:00.000Z",
      subject: e.aggregate,
      county,
      agency: e.agency,
      actor: `${e.agency}.liaison`,
      aggregate: { kind: e.kind, id: e.aggregate },
      prev: e.prev,
      data: e.data,
    }),
  );
}

/** A small county log: referrals passed between two agencies, each sealing every `every` events. */
function countyLog(n: number, every = 4): LogEntry[] {
  const log: LogEntry[] = [];
  const heads = new Map<string, string>();
  const chain: Record<Agency, { pending: string[]; index: number; prev: string | null }> = {
    health: { pending: [], index: 0, prev: null },
    "public-security": { pending: [], index: 0, prev: null },
  };
  const put = (agency: Agency, kind: string, aggregate: string, type: string, data: unknown) => {
    const key = `${kind}.${aggregate}`;
    const prev = heads.get(key) ?? null;
    const bytes = eventBytes({ agency, kind, aggregate, type, prev, data });
    heads.set(key, sha256Hex(bytes));
    log.push({
      seq: log.length + 1,
      subject: `ld.ev.${COUNTY}.${agency}.${kind}.${aggregate}._`,
      bytes,
    });
    return bytes;
  };
  const seal = (agency: Agency) => {
    const c = chain[agency];
    if (c.pending.length === 0) return;
    const hashes = c.pending.splice(0);
    const text = checkpointSigningText(COUNTY, { agency, index: c.index, hashes }, c.prev);
    const data = {
      agency,
      index: c.index,
      hashes,
      key: signers[agency].publicKey,
      signature: signers[agency].sign(text),
    };
    const bytes = put(agency, "audit", agency, "audit.checkpoint", data);
    c.prev = sha256Hex(bytes);
    c.index += hashes.length;
  };
  for (let i = 0; i < n; i++) {
    const agency: Agency = i % 3 === 0 ? "public-security" : "health";
    const bytes = put(agency, "referral", `r${i % 5}`, "referral.accepted", { i });
    chain[agency].pending.push(sha256Hex(bytes).slice(0, 32));
    if (chain[agency].pending.length >= every) seal(agency);
  }
  seal("health");
  seal("public-security");
  return log;
}

const verify = (log: LogEntry[]) => {
  const v = new LogVerifier({ keys, county: COUNTY });
  log.forEach((e, i) => {
    v.add({ ...e, seq: i + 1 });
  });
  return v.finish();
};
const idOf = (e: LogEntry) => JSON.parse(Buffer.from(e.bytes).toString()).id as string;
/** Index of the k-th health referral event in the log. */
const healthEvent = (log: LogEntry[], k: number) =>
  log.map((e, i) => [e, i] as const).filter(([e]) => e.subject.includes(".health.referral."))[
    k
  ]![1];

/** An event no agency's publisher made (none sealed it), as an insider would slip one in. */
const forgedEvent = () =>
  eventBytes({
    agency: "health",
    kind: "referral",
    aggregate: "rX",
    type: "referral.accepted",
    prev: null,
    data: {},
  });

describe("LogVerifier", () => {
  it("finds nothing wrong in an untouched log", () => {
    const report = verify(countyLog(40));
    expect(report.findings).toEqual([]);
    expect(report.unsealed).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.agencies.health!.sealed).toBe(report.agencies.health!.events);
  });

  it("names a changed payload", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    const text = Buffer.from(log[at]!.bytes).toString().replace('"i":', '"i":1');
    log[at] = { ...log[at]!, bytes: Buffer.from(text) };
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "changed",
      seq: at + 1,
      eventId: idOf(log[at]!),
    });
    expect(report.findings).toHaveLength(1);
  });

  it("names a removed event by the one that follows it", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    const next = healthEvent(log, 6);
    const removed = log.splice(at, 1);
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "removed",
      position: 5,
      eventId: idOf(log[next - 1]!),
    });
    expect(report.findings[0]!.code).toBe("audit.removed-before");
    expect(sayWhy(report.findings[0]!, "en")).toContain(sha256Hex(removed[0]!.bytes).slice(0, 32));
    expect(report.findings).toHaveLength(1);
  });

  it("names reordered events", () => {
    const log = countyLog(40);
    const a = healthEvent(log, 5);
    const b = healthEvent(log, 6);
    [log[a], log[b]] = [log[b]!, log[a]!];
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "reordered",
      seq: a + 1,
      eventId: idOf(log[a]!),
    });
    expect(report.findings.every((f) => f.kind === "reordered")).toBe(true);
  });

  it("names a forged event inserted among sealed ones", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    const forged = forgedEvent();
    log.splice(at, 0, { seq: 0, subject: `ld.ev.${COUNTY}.health.referral.rX._`, bytes: forged });
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "not-published-by-agency",
      seq: at + 1,
      eventId: idOf(log[at]!),
    });
  });

  it("names a forged event sealed under the wrong key", () => {
    const log = countyLog(40);
    const intruder = signerFromSeed(seedOf());
    const forged = forgedEvent();
    const h = sha256Hex(forged).slice(0, 32);
    const index = verify(log).agencies.health!.sealed;
    const text = checkpointSigningText(COUNTY, { agency: "health", index, hashes: [h] }, null);
    const cp = eventBytes({
      agency: "health",
      kind: "audit",
      aggregate: "health",
      type: "audit.checkpoint",
      prev: null,
      data: {
        agency: "health",
        index,
        hashes: [h],
        key: intruder.publicKey,
        signature: intruder.sign(text),
      },
    });
    log.push({ seq: 0, subject: `ld.ev.${COUNTY}.health.referral.rX._`, bytes: forged });
    log.push({ seq: 0, subject: `ld.ev.${COUNTY}.health.audit.health._`, bytes: cp });
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "forged",
      seq: log.length - 1,
      eventId: idOf(log[log.length - 2]!),
    });
    expect(report.findings[1]).toMatchObject({ kind: "forged", seq: log.length });
    expect(report.findings[1]!.code).toBe("checkpoint.other-key");
    expect(sayWhy(report.findings[1]!, "en")).toContain(intruder.publicKey);
  });

  it("names a replayed event", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    log.push({ ...log[at]! });
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "replayed",
      seq: log.length,
      eventId: idOf(log[at]!),
    });
  });

  it("reports events after the last checkpoint as unsealed, not as tampering", () => {
    const log = countyLog(40);
    log.push({
      seq: 0,
      subject: `ld.ev.${COUNTY}.health.referral.rZ._`,
      bytes: eventBytes({
        agency: "health",
        kind: "referral",
        aggregate: "rZ",
        type: "referral.accepted",
        prev: null,
        data: {},
      }),
    });
    const report = verify(log);
    expect(report.findings).toEqual([]);
    expect(report.unsealed).toHaveLength(1);
  });

  it("names an event whose envelope claims another agency than its subject", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    const text = Buffer.from(log[at]!.bytes).toString().replaceAll("health", "commerce");
    log[at] = { ...log[at]!, bytes: Buffer.from(text) };
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({ kind: "identity-mismatch", seq: at + 1 });
  });

  it("names an envelope cut short just after its county and agency as unreadable", () => {
    const log = countyLog(40);
    const at = healthEvent(log, 5);
    const text = Buffer.from(log[at]!.bytes).toString();
    // The envelope's county and agency fields, and nothing after them.
    const cut = text.slice(0, text.indexOf('"agency":"health"') + '"agency":"health"'.length + 1);
    log[at] = { ...log[at]!, bytes: Buffer.from(cut) };
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({ kind: "unreadable", seq: at + 1 });
  });

  it("names an event of a county that is neither this one nor a neighbour", () => {
    const log = countyLog(12);
    const stray = eventBytes({
      agency: "health",
      county: "999999",
      kind: "lead",
      aggregate: randomUUID(),
      type: "lead.shared",
      prev: null,
      data: {},
    });
    log.splice(3, 0, { seq: 0, subject: `ld.ev.999999.health.lead.x.health`, bytes: stray });
    const v = new LogVerifier({ keys, county: COUNTY, neighbours: ["620702"] });
    log.forEach((e, i) => {
      v.add({ ...e, seq: i + 1 });
    });
    expect(v.finish().findings).toEqual([
      expect.objectContaining({ kind: "foreign-county", seq: 4, agency: "health" }),
    ]);
  });

  it("names an event sealed twice, and a second event sealed under an id already used", () => {
    const log = countyLog(8, 100);
    // The sealed log with a copy of a sealed event, and another event reusing its id, both
    // sealed as the agency's own (as a publisher that sealed whatever it read back would).
    const first = log.find((e) => e.subject.includes(".health.referral."))!;
    const id = idOf(first);
    const sameId = eventBytes({
      agency: "health",
      kind: "referral",
      aggregate: "rQ",
      type: "referral.accepted",
      prev: null,
      data: { again: true },
      id,
    });
    const extra = [first.bytes, sameId];
    const hashes = extra.map((b) => sha256Hex(b).slice(0, 32));
    const index = verify(log).agencies.health!.sealed;
    const prevCp = [...log].reverse().find((e) => e.subject.includes(".health.audit."))!;
    const prev = sha256Hex(prevCp.bytes);
    const text = checkpointSigningText(COUNTY, { agency: "health", index, hashes }, prev);
    log.push({ seq: 0, subject: first.subject, bytes: first.bytes });
    log.push({ seq: 0, subject: `ld.ev.${COUNTY}.health.referral.rQ._`, bytes: sameId });
    log.push({
      seq: 0,
      subject: `ld.ev.${COUNTY}.health.audit.health._`,
      bytes: eventBytes({
        agency: "health",
        kind: "audit",
        aggregate: "health",
        type: "audit.checkpoint",
        prev,
        data: {
          agency: "health",
          index,
          hashes,
          key: signers.health.publicKey,
          signature: signers.health.sign(text),
        },
      }),
    });
    const kinds = verify(log).findings.map((f) => [f.kind, f.eventId]);
    expect(kinds).toContainEqual(["replayed", id]);
    expect(kinds).toContainEqual(["duplicate-id", id]);
  });

  it("names a deleted checkpoint as missing, and nothing else", () => {
    const log = countyLog(40);
    const checkpoints = log.flatMap((e, i) => (e.subject.includes(".health.audit.") ? [i] : []));
    const removed = log.splice(checkpoints[2]!, 1)[0]!;
    const report = verify(log);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: "missing-checkpoint", agency: "health" }),
    ]);
    expect(report.findings[0]!.seq).toBeGreaterThan(checkpoints[2]!);
    expect(removed).toBeDefined();
  });

  it("names a log shorter than a head known from elsewhere, and another history there", () => {
    const log = countyLog(40);
    const lastCp = log.findLastIndex((e) => e.subject.includes(".health.audit."));
    const size = verify(log).agencies.health!.sealed;
    const head = { size, checkpoint: sha256Hex(log[lastCp]!.bytes) };
    const withHead = (entries: LogEntry[], h = head) => {
      const v = new LogVerifier({ keys, county: COUNTY, heads: { health: h } });
      entries.forEach((e, i) => {
        v.add({ ...e, seq: i + 1 });
      });
      return v.finish();
    };
    expect(withHead(log).findings).toEqual([]);
    // The tail cut: health's last events and the checkpoint that sealed them.
    const cut = log.slice(0, lastCp - 6);
    expect(withHead(cut).findings).toEqual([
      expect.objectContaining({ kind: "truncated", agency: "health" }),
    ]);
    expect(withHead(log, { size, checkpoint: "0".repeat(64) }).findings).toEqual([
      expect.objectContaining({ kind: "forked", agency: "health", seq: lastCp + 1 }),
    ]);
  });

  it("checks the seal of an event after the last checkpoint: its own, a copied one, none", () => {
    const log = countyLog(12);
    const tailEvent = (n: number) => {
      const bytes = eventBytes({
        agency: "health",
        kind: "referral",
        aggregate: `rT${n}`,
        type: "referral.accepted",
        prev: null,
        data: { n },
      });
      return { seq: 0, subject: `ld.ev.${COUNTY}.health.referral.rT${n}._`, bytes };
    };
    const good = tailEvent(1);
    const copied = tailEvent(2);
    const none = tailEvent(3);
    const sealOfGood = sealOf(signers.health, good.subject, sha256Hex(good.bytes));
    log.push({ ...good, seal: sealOfGood });
    log.push({ ...copied, seal: sealOfGood });
    log.push(none);
    const report = verify(log);
    expect(report.unsealed.map((f) => f.eventId)).toEqual([idOf(good)]);
    expect(report.findings.map((f) => [f.kind, f.eventId])).toEqual([
      ["not-published-by-agency", idOf(copied)],
      ["not-published-by-agency", idOf(none)],
    ]);
  });
});
