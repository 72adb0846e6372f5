// The audit trail end to end: a county plays the scenarios, every agency seals its own chain,
// and `liandong verify` proves the log untouched; then an admin tampers with copies of the
// real stream in each of the five ways, and the verifier names exactly the event tampered with.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkpointSigningText, STREAMS } from "@liandong/contracts";
import { sayWhy } from "@liandong/domain";
import { type LogEntry, LogVerifier, signerFromSeed, type VerifyReport } from "@liandong/runtime";
import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStream } from "../services/cli/src/read-log.ts";
import { playDemo } from "../services/county/src/demo.ts";
import { cliCommand } from "./support/cli.ts";
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

/** A stream's messages with the headers a reader checks (seal, dead-letter origin). */
async function readAllWithHeaders(stream: string) {
  const out: {
    seq: number;
    subject: string;
    seal?: string | undefined;
    original?: string | undefined;
  }[] = [];
  const c = await jetstream(admin).consumers.get(stream);
  const info = await c.info(true);
  if (info.num_pending === 0) return out;
  const messages = await c.consume();
  for await (const m of messages) {
    out.push({
      seq: m.seq,
      subject: m.subject,
      seal: m.headers?.get("Liandong-Seal") || undefined,
      original: m.headers?.get("Liandong-Original-Subject") || undefined,
    });
    if (m.info.pending === 0) break;
  }
  messages.stop();
  return out;
}

async function cli(args: string[]) {
  const [cmd, first] = await cliCommand();
  return run(cmd, [...first, ...args], { cwd: ROOT });
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

async function verifyWithCli(stream: string, extra: string[] = []) {
  const [cmd, first] = await cliCommand();
  const result = await run(
    cmd,
    [
      ...first,
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
      ...extra,
    ],
    { cwd: ROOT },
  ).catch((err: { code: number; stdout: string; stderr: string }) => err);
  if (!result.stdout.trim())
    throw new Error(
      `verify wrote no report (exit ${"code" in result ? result.code : 0}): ${result.stderr}`,
    );
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
      kind: "not-published-by-agency",
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
      county: keys.county,
      agency: "health",
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
    expect(report.findings[1]!.code).toBe("checkpoint.other-key");
    expect(sayWhy(report.findings[1]!, "en")).toContain(intruder.publicKey);
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

describe("forgeries through the county's admin identity, on the live bus", () => {
  /** Health's first share of a lead with public security, as stored, and its lead id. */
  const realShare = () => {
    const e = original.find((x) => /\.health\.lead\.[^.]+\.public-security$/.test(x.subject))!;
    const envelope = JSON.parse(Buffer.from(e.bytes).toString()) as { aggregate: { id: string } };
    return { entry: e, leadId: envelope.aggregate.id };
  };
  /** The real share as an admin would copy it: another lead id and event id, all else the same. */
  const forgedShare = () => {
    const { entry, leadId } = realShare();
    const forgedLead = randomUUID();
    const forgedId = randomUUID();
    const text = Buffer.from(entry.bytes)
      .toString()
      .replaceAll(leadId, forgedLead)
      .replace(idOf(entry), forgedId);
    return { entry, leadId, forgedLead, forgedId, text };
  };
  /** Dead letters of `agency`'s consumers for `reason`, by the subject they were stored under. */
  const deadLetters = async (agency: string, reason: string) =>
    (await readAllWithHeaders(STREAMS.deadLetters))
      .filter((m) => m.subject === `ld.dlq.${agency}.${reason}`)
      .map((m) => m.original);
  // Polled: a verify run that could not finish (a loaded machine) is tried again, and said.
  const liveFindings = async () => {
    try {
      return (await verifyWithCli(STREAMS.events)).report.findings.map((f) => [f.kind, f.eventId]);
    } catch (err) {
      process.stderr.write(`${String(err)}\n`);
      return [];
    }
  };

  it("a copied envelope on health's subjects: refused by public security, named by verify", async () => {
    const { entry, leadId, forgedLead, forgedId, text } = forgedShare();
    const subject = entry.subject.replace(leadId, forgedLead);
    await jetstream(admin).publish(subject, Buffer.from(text));
    await eventually(
      async () =>
        (await deadLetters("public-security", "not-published-by-agency")).includes(subject) ||
        undefined,
      20_000,
    );
    const inbox = await county.as("public-security").get<{ items: { leadId: string }[] }>("/inbox");
    expect(inbox.body.items.map((i) => i.leadId)).not.toContain(forgedLead);
    // Health's sealer never seals it: once health seals what it publishes next, verify names it.
    await county.as("health").post("/leads", {
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: "某镇卫生院（复查）", county: "441723" },
      summary: "复查产科病历",
    });
    await eventually(async () => {
      const f = await liveFindings();
      return f.some(([k, id]) => k === "not-published-by-agency" && id === forgedId) || undefined;
    }, 30_000);
  });

  it("health's envelope on commerce's subjects: refused as not matching, named identity-mismatch", async () => {
    const { entry, leadId, forgedLead, forgedId, text } = forgedShare();
    const subject = entry.subject.replace(leadId, forgedLead).replace(".health.", ".commerce.");
    await jetstream(admin).publish(subject, Buffer.from(text));
    await eventually(
      async () =>
        (await deadLetters("public-security", "subject-mismatch")).includes(subject) || undefined,
      20_000,
    );
    const f = await liveFindings();
    expect(f).toContainEqual(["identity-mismatch", forgedId]);
  });

  it("an event claiming a county outside the region is named foreign-county", async () => {
    const { entry, leadId } = realShare();
    const forgedId = randomUUID();
    const text = Buffer.from(entry.bytes)
      .toString()
      .replaceAll(`"${keys.county}"`, '"999999"')
      .replace(`liandong:${keys.county}:`, "liandong:999999:")
      .replace(idOf(entry), forgedId);
    const subject = entry.subject.replace(`.${keys.county}.`, ".999999.");
    await jetstream(admin).publish(subject, Buffer.from(text));
    expect(leadId).toBeTruthy();
    const f = await liveFindings();
    expect(f).toContainEqual(["foreign-county", forgedId]);
  });

  it("a real event stored again with its seal, sealed again by health, is named as stored twice", async () => {
    const { entry } = realShare();
    const sealed = (await readAllWithHeaders(STREAMS.events)).find((m) => m.seq === entry.seq)!;
    const h = headers();
    h.set("Liandong-Seal", sealed.seal!);
    await jetstream(admin).publish(entry.subject, entry.bytes, { headers: h });
    await eventually(async () => {
      const f = await liveFindings();
      return f.some(([k, id]) => k === "replayed" && id === idOf(entry)) || undefined;
    }, 30_000);
  });
});

describe("a log cut short, against the heads the office signed", () => {
  it("a truncated tail and a deleted checkpoint are named", async () => {
    const headsFile = join(county.stateDir, "heads.json");
    const saved = await cli(["heads", "--office", county.urls.office!, "--out", headsFile]);
    // Said of the county by its name, the time in Beijing time.
    expect(saved.stdout).toMatch(
      new RegExp(`已保存阳东县（${keys.county}）的最新检查点.*北京时间 \\d{4}-\\d\\d-\\d\\d `),
    );
    // The tail cut: the last of health's events and the checkpoint that sealed them.
    const lastCp = original.findLastIndex((e) => /\.health\.audit\./.test(e.subject));
    const cut = original.slice(0, healthEvents(original.slice(0, lastCp)).at(-1));
    const truncated = await verifyWithCli(await tamperedCopy(cut), ["--heads", headsFile]);
    expect(truncated.report.findings).toContainEqual(
      expect.objectContaining({ kind: "truncated", agency: "health" }),
    );
    expect(truncated.code).toBe(1);
    // Without the heads the same copy verifies clean: what the auditor keeps is what tells.
    expect((await verifyWithCli(await tamperedCopy(cut))).report.findings).toEqual([]);

    const cps = original.flatMap((e, i) => (/\.health\.audit\./.test(e.subject) ? [i] : []));
    if (cps.length >= 2) {
      const without = original.filter((_, i) => i !== cps[0]);
      const { report } = await verifyWithCli(await tamperedCopy(without));
      expect(report.findings.map((f) => f.kind)).toEqual(["missing-checkpoint"]);
    }
  });
});
