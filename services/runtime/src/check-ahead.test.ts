import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SAMPLE_EVENT, SAMPLE_SUBJECT } from "@liandong/contracts/fixtures";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bundleCheckWorker } from "../../county/build.mjs";
import { type AheadVerdict, CheckAhead, checkBatch, sameJson } from "./check-ahead.ts";
import { checkMessage } from "./consumer.ts";
import { sha256Hex } from "./hash.ts";
import type { StreamMessage } from "./ports.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const envelope = SAMPLE_EVENT;
const subject = SAMPLE_SUBJECT;

/** The kinds of message a rebuild meets: valid, valid once zod has had its say, refused, not decoded. */
const pool: { subject: string; data: Uint8Array }[] = [
  { subject, data: enc(envelope) },
  // A key the schema does not know: valid, but the validated event is not what JSON.parse makes.
  { subject, data: enc({ ...envelope, unknownKey: "去掉" }) },
  { subject, data: new TextEncoder().encode("{not json") },
  { subject, data: enc({ ...envelope, agency: "commerce" }) },
  { subject: "ld.ev.441723.health.audit.checkpoint._", data: enc({ any: "thing" }) },
];
const decode = (s: string) => !s.includes(".audit.");

/** What the reader would find checking the message itself. */
function inline(m: { subject: string; data: Uint8Array }): AheadVerdict {
  const hash = sha256Hex(m.data);
  if (!decode(m.subject)) return { hash, decoded: false };
  const v = checkMessage(m.subject, m.data);
  return v.ok
    ? { hash, decoded: true, ok: true, event: v.event }
    : { hash, decoded: true, ok: false, reason: v.reason, detail: v.detail };
}

/** The pool as one batch, as the reader hands it over. */
function poolBatch() {
  const enc = new TextEncoder();
  const parts = pool.flatMap((m) => [
    decode(m.subject) ? enc.encode(m.subject) : new Uint8Array(),
    m.data,
  ]);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  const ends = new Uint32Array(parts.length);
  let at = 0;
  parts.forEach((p, i) => {
    bytes.set(p, at);
    at += p.byteLength;
    ends[i] = at;
  });
  return { decode: Uint8Array.from(pool.map((m) => (decode(m.subject) ? 1 : 0))), bytes, ends };
}

describe("checkBatch", () => {
  it("answers each message as checking it inline would, and says when parsing the bytes will do", () => {
    const answer = checkBatch(poolBatch());
    expect(Buffer.from(answer.hashes).toString("latin1")).toBe(
      pool.map((m) => sha256Hex(m.data)).join(""),
    );
    expect(answer.verdicts[0]).toBe(0);
    // Stripped of the unknown key: sent as validated, never re-parsed from the bytes.
    expect(answer.verdicts[1]).toEqual({ event: envelope });
    expect(answer.verdicts[2]).toMatchObject({ reason: "malformed-json" });
    expect(answer.verdicts[3]).toMatchObject({ reason: "subject-mismatch" });
    expect(answer.verdicts[4]).toBe(1);
  });
});

describe("checkBatch on the reader's own thread", () => {
  it("answers every valid event as validated (nothing left to parse again), the rest as on the thread", () => {
    const onThread = checkBatch(poolBatch());
    const here = checkBatch(poolBatch(), true);
    expect(here.hashes).toEqual(onThread.hashes);
    expect(here.verdicts[0]).toEqual({ event: envelope });
    expect(here.verdicts[1]).toEqual({ event: envelope });
    expect(here.verdicts.slice(2)).toEqual(onThread.verdicts.slice(2));
  });
});

describe("sameJson", () => {
  it("is equality of JSON values, key order aside", () => {
    expect(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: "1" }, { a: 1 })).toBe(false);
    expect(sameJson([], {})).toBe(false);
  });

  it("agrees with comparing the values written out with their keys sorted", () => {
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : typeof v === "object" && v !== null
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v;
    const same = (a: unknown, b: unknown) =>
      JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
    // As the checking thread meets them: both parsed from JSON text.
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)));
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameJson(a, b)).toBe(same(a, b));
        expect(sameJson(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("CheckAhead", () => {
  it("applies every message once, in stream order, with the verdict checking it inline gives", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 1_500 }),
        fc.nat({ max: 1_500 }),
        async (picks, closeAt) => {
          const messages: StreamMessage[] = picks.map((p, i) => ({ ...pool[p]!, seq: i + 1 }));
          const seen: { seq: number; v: AheadVerdict }[] = [];
          const errors: unknown[] = [];
          const checking = new CheckAhead<StreamMessage>({
            decode,
            // Now and then a promise, as the office's write-backs return one.
            apply: (m, v) => {
              seen.push({ seq: m.seq, v });
              return m.seq % 97 === 0 ? new Promise((r) => setTimeout(r, 0)) : undefined;
            },
            onError: (err) => errors.push(err),
          });
          // Closed part-way, as the office closes it on catching up: the rest is checked inline.
          let closing: Promise<void> | undefined;
          for (const m of messages) {
            if (m.seq === closeAt) closing = checking.close();
            const full = checking.push(m);
            if (full) await full;
            // The first checked here while the thread loads; the rest wait for it, to be checked there.
            const until = Date.now() + 20_000;
            while (m.seq === 1 && !checking.threadReady && Date.now() < until)
              await new Promise((r) => setTimeout(r, 10));
          }
          await (closing ?? checking.close());
          await checking.drained();
          expect(errors).toEqual([]);
          if (messages.length >= 2 && (closeAt === 0 || closeAt > 2))
            expect(checking.checkedOnThread).toBeGreaterThan(0);
          expect(seen.map((s) => s.seq)).toEqual(messages.map((m) => m.seq));
          for (const { seq, v } of seen) expect(v).toEqual(inline(messages[seq - 1]!));
        },
      ),
      { numRuns: 6 },
    );
  });

  /**
   * `messages` through a CheckAhead on the thread of `script`: the first checked here while the
   * thread loads, the rest once it has. What `apply` saw, and how many the thread answered for.
   */
  async function throughThread(script: string, messages: StreamMessage[]) {
    const seen: AheadVerdict[] = [];
    const checking = new CheckAhead<StreamMessage>({
      decode,
      apply: (_m, v) => {
        seen.push(v);
        return undefined;
      },
      onError: (err) => {
        throw err;
      },
      thread: pathToFileURL(script),
    });
    checking.push(messages[0]!);
    const until = Date.now() + 20_000;
    while (!checking.threadReady && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    for (const m of messages.slice(1)) await checking.push(m);
    await checking.close();
    return { seen, onThread: checking.checkedOnThread };
  }

  /** `test` given a fresh directory, removed after. */
  async function inTempDir(test: (dir: string) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), "check-worker-"));
    try {
      await test(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it(
    "runs the checking thread it is given: the county's bundled check-worker.js, answering as the sources do",
    () =>
      inTempDir(async (dir) => {
        const script = join(dir, "check-worker.js");
        await bundleCheckWorker(script);
        const messages: StreamMessage[] = Array.from({ length: 40 }, (_, i) => ({
          ...pool[i % pool.length]!,
          seq: i + 1,
        }));
        const { seen, onThread } = await throughThread(script, messages);
        expect(onThread).toBe(messages.length - 1);
        expect(seen).toEqual(messages.map(inline));
      }),
    60_000,
  );

  it(
    "takes the answers of the thread it is given, not of the one beside it",
    () =>
      inTempDir(async (dir) => {
        // A thread that calls every message undecoded with a hash of zeros: told apart at once.
        const script = join(dir, "zeros.mjs");
        writeFileSync(
          script,
          `import { parentPort, workerData } from "node:worker_threads";
parentPort.on("message", (m) => parentPort.postMessage({ id: m.id, answer: {
  hashes: new TextEncoder().encode("0".repeat(64 * m.batch.decode.length)), verdicts: Array.from(m.batch.decode, () => 1) } }));
Atomics.store(workerData.ready, 0, 1);`,
        );
        const messages = [1, 2].map((seq) => ({ ...pool[0]!, seq }));
        const { seen } = await throughThread(script, messages);
        expect(seen.at(-1)).toEqual({ hash: "0".repeat(64), decoded: false });
      }),
    60_000,
  );
});
