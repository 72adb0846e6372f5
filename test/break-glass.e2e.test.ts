// The break-glass path, as an operator takes it on a running county: the admin cannot delete a
// stream; `liandong break-glass` can, and only after the office has put the use on the log (who,
// what, why), sealed like any of its events; the office keeps it, and `liandong verify` (as the
// read-only auditor) reports it. The office also records every rewrite the server carries out,
// so a use of the break-glass identity that bypasses the CLI is named by verify.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BreakGlassList } from "@liandong/contracts";
import { connectBus, signerFromSeed } from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { cli } from "../services/cli/src/cli.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
const seed = (name: string) => join(county.stateDir, "secrets", name);
beforeAll(async () => {
  county = await startTestCounty();
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

/** What the command writes on stdout and stderr, and its exit code. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    const code = await cli(argv).catch((e: unknown) => {
      chunks.push(String(e));
      return 2;
    });
    return { code, out: chunks.join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

type VerifyJson = {
  ok: boolean;
  unsealed: unknown[];
  breakGlass: {
    used: { action: string; stream?: string; reason: string }[];
    observed: { api: string; stream: string; key: string }[];
    unannounced: { api: string; stream: string; key: string }[];
  };
};

/** `liandong verify --json` once every event is sealed (and `until` holds). */
async function sealedReport(argv: string[], until: (p: VerifyJson) => boolean = () => true) {
  return eventually(async () => {
    const r = await run([...argv, "--json"]);
    const parsed = JSON.parse(r.out) as VerifyJson;
    return parsed.unsealed.length === 0 && until(parsed) ? { code: r.code, parsed } : undefined;
  }, 30_000);
}

/** `liandong verify` as the auditor, over the running county's log. */
const verifyArgs = () => [
  "verify",
  "--nats",
  county.natsUrl,
  "--seed",
  seed("auditor.nk"),
  "--keys",
  county.keysFile,
];

const streamExists = async (name: string) => {
  const nc = await county.admin();
  try {
    return await (await jetstreamManager(nc)).streams
      .info(name)
      .then(() => true)
      .catch(() => false);
  } finally {
    await nc.close();
  }
};

it("deletes a stream only once the office has recorded the use, and verify reports it", async () => {
  // A stream the operator made and now wants gone: the admin made it, and cannot delete it.
  const admin = await county.admin();
  const jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name: "SCRATCH", subjects: ["scratch.>"] });
  await jetstream(admin).publish("scratch.one", "x");
  await expect(
    (await jetstreamManager(admin, { timeout: 1500 })).streams.delete("SCRATCH"),
  ).rejects.toThrow();
  await admin.close();
  expect(await streamExists("SCRATCH")).toBe(true);

  const office = county.as("office", "supervisor");
  const base = [
    "break-glass",
    "delete-stream",
    "SCRATCH",
    "--office",
    office.url,
    "--nats",
    county.natsUrl,
    "--seed",
    join(seed("break-glass"), "break-glass.nk"),
  ];
  const reason = "演练：删除误建的临时流";

  // No reason, or an office officer who is not a supervisor: nothing recorded, nothing done.
  expect((await run([...base, "--token", office.token])).code).toBe(2);
  const liaison = await run([...base, "--token", county.as("office").token, "--reason", reason]);
  expect(liaison.code).toBe(2);
  expect(liaison.out).toContain("403");
  expect(await streamExists("SCRATCH")).toBe(true);

  const used = await run([...base, "--token", office.token, "--reason", reason]);
  expect(used.code, used.out).toBe(0);
  expect(used.out).toMatch(/已记入日志：删除流 SCRATCH，记录人 office\.supervisor/);
  expect(used.out).toContain("已删除流 SCRATCH");
  expect(await streamExists("SCRATCH")).toBe(false);

  // The office keeps it, and the deletion it saw the server carry out, announced by it.
  const list = await eventually(async () => {
    const r = await office.get<BreakGlassList>("/audit/break-glass");
    return r.body.observed.length > 0 ? r.body : undefined;
  });
  expect(list.items).toEqual([
    expect.objectContaining({
      action: "delete-stream",
      stream: "SCRATCH",
      reason,
      actor: "office.supervisor",
    }),
  ]);
  expect(list.observed).toEqual([
    expect.objectContaining({
      api: "STREAM.DELETE",
      stream: "SCRATCH",
      key: list.items[0]!.key,
      announced: list.items[0]!.eventId,
    }),
  ]);

  // The auditor reads the log and finds it, sealed by the office like any of its events.
  const verify = verifyArgs();
  const report = await sealedReport(verify);
  expect(report.code).toBe(0);
  expect(report.parsed.ok).toBe(true);
  expect(report.parsed.breakGlass.used).toEqual([
    expect.objectContaining({ action: "delete-stream", stream: "SCRATCH", reason }),
  ]);
  expect(report.parsed.breakGlass.observed).toHaveLength(1);
  expect(report.parsed.breakGlass.unannounced).toEqual([]);
  const text = await run(verify);
  expect(text.out).toContain("紧急权限：日志记录了 1 次动用紧急权限");
  // What was done, in Chinese, and when, in Beijing time; by whom, the agency by its name.
  expect(text.out).toMatch(
    /流序号 \d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}删除流 SCRATCH .*记录人 office\.supervisor（领导小组办公室）/,
  );
  expect(text.out).toContain(reason);
  // For an English reader: the same report in English, the same exit code.
  const english = await run([...verify, "--lang", "en"]);
  expect(english.code).toBe(0);
  expect(english.out).toContain("Result: passed — the log is unchanged");
  expect(english.out).toContain("Break-glass uses recorded on the log: 1");
  expect(english.out).toContain(`reason: ${reason}`);
}, 120_000);

it("a use of the break-glass identity that bypasses the CLI is on the record all the same, and verify names it", async () => {
  const admin = await county.admin();
  await (await jetstreamManager(admin)).streams.add({ name: "SCRATCH2", subjects: ["scratch2.>"] });
  await admin.close();
  const direct = await connectBus({
    servers: county.natsUrl,
    agency: "break-glass",
    seedFile: join(seed("break-glass"), "break-glass.nk"),
  });
  const key = signerFromSeed(
    readFileSync(join(seed("break-glass"), "break-glass.nk"), "utf8").trim(),
  ).publicKey;
  try {
    expect(await (await jetstreamManager(direct)).streams.delete("SCRATCH2")).toBe(true);
  } finally {
    await direct.close();
  }
  const verify = verifyArgs();
  const report = await sealedReport(verify, (p) => p.breakGlass.observed.length >= 2);
  expect(report.code).toBe(1);
  expect(report.parsed.ok).toBe(true);
  expect(report.parsed.breakGlass.unannounced).toEqual([
    expect.objectContaining({ api: "STREAM.DELETE", stream: "SCRATCH2", key }),
  ]);
  const text = await run(verify);
  expect(text.code).toBe(1);
  expect(text.out).toContain("1 次改写流之前日志中没有动用紧急权限的记录");
  expect(text.out).toContain(`STREAM.DELETE SCRATCH2  调用者 ${key}`);
  const english = await run([...verify, "--lang", "en"]);
  expect(english.code).toBe(1);
  expect(english.out).toContain(`STREAM.DELETE SCRATCH2  caller ${key}`);
}, 120_000);

it("the launcher's everyday identities cannot delete EVENTS; the log is still there", async () => {
  for (const name of ["admin", "auditor", "keeper", "health", "office"]) {
    const nc = await connectBus({
      servers: county.natsUrl,
      agency: name,
      seedFile: seed(`${name}.nk`),
    });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 1500 });
      await expect(jsm.streams.delete("EVENTS"), name).rejects.toThrow(/permissions violation/i);
    } finally {
      await nc.close();
    }
  }
  expect(await streamExists("EVENTS")).toBe(true);
});
