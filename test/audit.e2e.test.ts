// The audit trail end to end: a county plays the scenarios, every agency seals its own chain,
// and `liandong verify` proves the log untouched; then an admin tampers with copies of the
// real stream in each of the five ways, and the verifier names exactly the event tampered with.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkpointSigningText, STREAMS } from "@liandong/contracts";
import { type LogEntry, LogVerifier, signerFromSeed, type VerifyReport } from "@liandong/runtime";
import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { playDemo } from "../services/county/src/demo.ts";
import { eventually, ROOT, startTestCounty, type TestCounty } from "./support/county.ts";

const run = promisify(execFile);
let county: TestCounty;
let admin: NatsConnection;
let jsm: JetStreamManager;
let original: LogEntry[];
let keys: { county: string; agencies: Record<string, string> };

async function readAll(stream: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readStream(admin, stream)) out.push({ ...e, bytes: Buffer.from(e.bytes) });
  return out;
}

function verify(entries: LogEntry[]): VerifyReport {
  const v = new LogVerifier({ keys: keys.agencies, county: keys.county });
  for (const e of entries) v.add(e);
  return v.finish();
}

const idOf = (e: LogEntry) => (JSON.parse(Buffer.from(e.bytes).toString()) as { id: string }).id;

/** Indexes (in `entries`) of health's own events other than its checkpoints. */
const healthEvents = (entries: LogEntry[]) =>
  entries.flatMap((e, i) =>
    e.subject.split(".")[3] === "health" && e.subject.split(".")[4] !== "audit" ? [i] : [],
  );

let copies = 0;
/**
 * As admin, writes `entries` into a new stream that stores them under their original
 * subjects (a subject transform), as a tamperer rebuilding the log would; returns its name.
 */
async function tamperedCopy(entries: LogEntry[]): Promise<string> {
  const name = `TAMPERED_${++copies}`;
  const prefix = `tampered${copies}`;
  await jsm.streams.add({
    name,
    subjects: [`${prefix}.>`],
    subject_transform: { src: `${prefix}.>`, dest: ">" },
  } as never);
  const js = jetstream(admin);
  for (const e of entries) await js.publish(`${prefix}.${e.subject}`, e.bytes);
  return name;
}

async function verifyWithCli(stream: string) {
  const result = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "services/cli/src/main.ts"),
      "verify",
      "--nats",
      county.natsUrl,
      "--seed",
      join(county.stateDir, "secrets", "admin.nk"),
      "--stream",
      stream,
      "--keys",
      county.keysFile,
      "--json",
    ],
    { cwd: ROOT },
  ).catch((err: { code: number; stdout: string; stderr: string }) => err);
  return {
    code: "code" in result ? result.code : 0,
    report: JSON.parse(result.stdout) as VerifyReport,
  };
}

beforeAll(async () => {
  county = await startTestCounty();
  keys = JSON.parse(readFileSync(county.keysFile, "utf8"));
  await playDemo(county.urls, county.tokens);
  admin = await county.admin();
  jsm = await jetstreamManager(admin);
  // Every agency seals what it published once the stream goes quiet.
  original = await eventually(async () => {
    const entries = await readAll(STREAMS.events);
    return verify(entries).unsealed.length === 0 ? entries : undefined;
  }, 20_000);
}, 120_000);

afterAll(async () => {
  await admin?.close();
  await county?.cleanup();
});

describe("the county's log", () => {
  it("verifies clean with the command-line tool, every agency's events sealed", async () => {
    const { code, report } = await verifyWithCli(STREAMS.events);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report.events).toBe(original.length);
    expect(Object.keys(report.agencies).sort()).toEqual(
      expect.arrayContaining(["family-planning", "health", "public-security"]),
    );
    for (const a of Object.values(report.agencies)) {
      expect(a.sealed).toBe(a.events);
      expect(a.checkpoints).toBeGreaterThan(0);
    }
  });

  it("a faithful copy verifies clean too", async () => {
    const { code, report } = await verifyWithCli(await tamperedCopy(original));
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe("tampering, each kind named at the first bad event", () => {
  it("a changed payload", async () => {
    const entries = original.map((e) => ({ ...e }));
    const at = healthEvents(entries)[2]!;
    const text = Buffer.from(entries[at]!.bytes).toString();
    entries[at]!.bytes = Buffer.from(
      text.replace(/"time":"(\d{4})/, (_, y) => `"time":"${Number(y) - 1}`),
    );
    expect(Buffer.from(entries[at]!.bytes).toString()).not.toBe(text);
    const { code, report } = await verifyWithCli(await tamperedCopy(entries));
    expect(code).toBe(1);
    expect(report.findings[0]).toMatchObject({
      kind: "changed",
      agency: "health",
      eventId: idOf(entries[at]!),
      seq: at + 1,
    });
  });

  it("a removed event", async () => {
    const entries = [...original];
    const [at, next] = [healthEvents(entries)[2]!, healthEvents(entries)[3]!];
    const removed = entries.splice(at, 1)[0]!;
    const { report } = await verifyWithCli(await tamperedCopy(entries));
    expect(report.findings[0]).toMatchObject({
      kind: "removed",
      agency: "health",
      position: 2,
      eventId: idOf(original[next]!),
    });
    expect(report.findings.some((f) => f.eventId === idOf(removed))).toBe(false);
  });

  it("reordered events", async () => {
    const entries = [...original];
    const [a, b] = [healthEvents(entries)[2]!, healthEvents(entries)[3]!];
    [entries[a], entries[b]] = [entries[b]!, entries[a]!];
    const { report } = await verifyWithCli(await tamperedCopy(entries));
    expect(report.findings[0]).toMatchObject({
      kind: "reordered",
      agency: "health",
      eventId: idOf(original[b]!),
      seq: a + 1,
    });
  });

  it("a forged event among sealed ones", async () => {
    const entries = [...original];
    const at = healthEvents(entries)[2]!;
    const model = JSON.parse(Buffer.from(original[at]!.bytes).toString());
    const forged = { ...model, id: randomUUID(), actor: "hl-forger" };
    entries.splice(at, 0, {
      seq: 0,
      subject: original[at]!.subject,
      bytes: Buffer.from(JSON.stringify(forged)),
    });
    const { report } = await verifyWithCli(await tamperedCopy(entries));
    expect(report.findings[0]).toMatchObject({
      kind: "forged",
      agency: "health",
      eventId: forged.id,
      seq: at + 1,
    });
  });

  it("a forged event sealed with the wrong key", async () => {
    const entries = [...original];
    const model = JSON.parse(Buffer.from(original[healthEvents(entries)[0]!]!.bytes).toString());
    const forged = Buffer.from(JSON.stringify({ ...model, id: randomUUID(), prev: null }));
    const intruder = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
    const sealed = verify(original).agencies.health!.sealed;
    const hashes = [(await import("@liandong/runtime")).sha256Hex(forged).slice(0, 32)];
    const text = checkpointSigningText(
      keys.county,
      { agency: "health", index: sealed, hashes },
      null,
    );
    const checkpoint = {
      specversion: "1.0",
      id: randomUUID(),
      type: "audit.checkpoint",
      prev: null,
      data: {
        agency: "health",
        index: sealed,
        hashes,
        key: intruder.publicKey,
        signature: intruder.sign(text),
      },
    };
    entries.push({ seq: 0, subject: original[healthEvents(entries)[0]!]!.subject, bytes: forged });
    entries.push({
      seq: 0,
      subject: `ld.ev.${keys.county}.health.audit.health._`,
      bytes: Buffer.from(JSON.stringify(checkpoint)),
    });
    const { report } = await verifyWithCli(await tamperedCopy(entries));
    expect(report.findings[0]).toMatchObject({
      kind: "forged",
      agency: "health",
      seq: entries.length - 1,
    });
    expect(report.findings[1]).toMatchObject({
      kind: "forged",
      agency: "health",
      seq: entries.length,
      eventId: checkpoint.id,
    });
    expect(report.findings[1]!.detail).toContain(intruder.publicKey);
  });

  it("a replayed event", async () => {
    const entries = [...original];
    const at = healthEvents(entries)[2]!;
    entries.push({ ...original[at]! });
    const { report } = await verifyWithCli(await tamperedCopy(entries));
    expect(report.findings[0]).toMatchObject({
      kind: "replayed",
      agency: "health",
      eventId: idOf(original[at]!),
      seq: entries.length,
    });
    expect(report.findings).toHaveLength(1);
  });
});

describe("a foreign event under an agency's subjects, on the live bus", () => {
  it("is not sealed by that agency, and the verifier names it forged", async () => {
    // Admin (or a server-side delivery) puts an office envelope under health's subjects.
    const model = JSON.parse(Buffer.from(original[healthEvents(original)[0]!]!.bytes).toString());
    const foreign = { ...model, id: randomUUID(), agency: "office", prev: null };
    const subject = original[healthEvents(original)[0]!]!.subject;
    await jetstream(admin).publish(subject, Buffer.from(JSON.stringify(foreign)));
    // Health goes on working; what it publishes next is sealed, the foreign event is not.
    await county.as("health").post("/leads", {
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: "某镇卫生院（复查）", county: "441723" },
      summary: "复查",
    });
    const report = await eventually(async () => {
      const r = verify(await readAll(STREAMS.events));
      return r.findings.length > 0 && r.unsealed.length === 0 ? r : undefined;
    }, 20_000);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      kind: "forged",
      agency: "health",
      eventId: foreign.id,
    });
  });
});
