import { randomUUID } from "node:crypto";
import { checkpointSigningText } from "@liandong/contracts";
import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { type LogEntry, LogVerifier } from "./audit-verify.ts";
import { sha256Hex } from "./hash.ts";
import { signerFromSeed } from "./signing.ts";

const COUNTY = "441723";
const seedOf = () => new TextDecoder().decode(createUser().getSeed());
const signers = { health: signerFromSeed(seedOf()), "public-security": signerFromSeed(seedOf()) };
const keys = {
  health: signers.health.publicKey,
  "public-security": signers["public-security"].publicKey,
};

type Agency = keyof typeof signers;

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
    const bytes = Buffer.from(
      JSON.stringify({
        specversion: "1.0",
        id: randomUUID(),
        type,
        agency,
        aggregate: { kind, id: aggregate },
        prev,
        data,
      }),
    );
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
  Buffer.from(
    JSON.stringify({
      specversion: "1.0",
      id: randomUUID(),
      type: "referral.accepted",
      prev: null,
      data: {},
    }),
  );

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
    expect(report.findings[0]!.detail).toContain(sha256Hex(removed[0]!.bytes).slice(0, 32));
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
      kind: "forged",
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
    const cp = Buffer.from(
      JSON.stringify({
        specversion: "1.0",
        id: randomUUID(),
        prev: null,
        data: {
          agency: "health",
          index,
          hashes: [h],
          key: intruder.publicKey,
          signature: intruder.sign(text),
        },
      }),
    );
    log.push({ seq: 0, subject: `ld.ev.${COUNTY}.health.referral.rY._`, bytes: forged });
    log.push({ seq: 0, subject: `ld.ev.${COUNTY}.health.audit.health._`, bytes: cp });
    const report = verify(log);
    expect(report.findings[0]).toMatchObject({
      kind: "forged",
      seq: log.length - 1,
      eventId: idOf(log[log.length - 2]!),
    });
    expect(report.findings[1]).toMatchObject({ kind: "forged", seq: log.length });
    expect(report.findings[1]!.detail).toContain(intruder.publicKey);
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
      bytes: Buffer.from(JSON.stringify({ specversion: "1.0", id: randomUUID(), prev: null })),
    });
    const report = verify(log);
    expect(report.findings).toEqual([]);
    expect(report.unsealed).toHaveLength(1);
  });
});
