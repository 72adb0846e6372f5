import { Worker } from "node:worker_threads";
import type { BusEvent } from "@liandong/contracts";
import { checkParsed } from "./check-message.ts";
import { sha256Hex } from "./hash.ts";
import type { StreamMessage } from "./ports.ts";

/**
 * What checking one message ahead found: its SHA-256, and for a decoded message the verdict
 * (`checkMessage`'s). `same`: the validated event is exactly what `JSON.parse` makes of its
 * bytes (nothing trimmed, normalised, defaulted or stripped), so the reader may parse the bytes
 * itself rather than receive a copy of the event.
 */
export type AheadVerdict =
  | { hash: string; decoded: false }
  | { hash: string; decoded: true; ok: true; event: BusEvent }
  | { hash: string; decoded: true; ok: false; reason: string; detail: string };

/**
 * One batch on its way to the checking thread, in buffers only (handed over, not copied: a list
 * of subjects cloned for every batch cost the reader a twentieth of its time): each message's
 * subject (UTF-8) then its bytes, end to end.
 */
export type AheadBatch = {
  /** Whether each message is decoded and validated, or only hashed. */
  decode: Uint8Array;
  bytes: Uint8Array;
  /** Per message, two offsets in `bytes`: where its subject ends, and where its bytes end. */
  ends: Uint32Array;
};

/**
 * A batch's answer: every message's SHA-256 (64 hex digits each, end to end, in ASCII: one
 * buffer handed back, not one string per message), and per message 0 (valid, as parsed), 1
 * (only hashed), the event, or a refusal.
 */
export type AheadAnswer = {
  hashes: Uint8Array;
  verdicts: (0 | 1 | { event: BusEvent } | { reason: string; detail: string })[];
};

/** Hex digits of one SHA-256. */
const HASH_HEX = 64;

/**
 * Pure: checks a batch as the checking thread does (and as the reader does without one).
 * `here`: checked on the reader's own thread, so each valid event is answered as validated: the
 * reader takes it as it is rather than parse its bytes a second time (0 is for an event whose
 * copy would have to cross between threads).
 */
export function checkBatch(b: AheadBatch, here = false): AheadAnswer {
  // Handed over from the thread, so a buffer of its own; here, from the pool (one message after
  // a close: 64 bytes).
  const size = b.decode.length * HASH_HEX;
  const hashes = here ? Buffer.allocUnsafe(size) : Buffer.allocUnsafeSlow(size);
  const verdicts: AheadAnswer["verdicts"] = [];
  // The batch's bytes as a Buffer (no copy): a subject read off it directly.
  const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
  let start = 0;
  for (let i = 0; i < b.decode.length; i++) {
    const subjectEnd = b.ends[2 * i]!;
    const end = b.ends[2 * i + 1]!;
    const data = b.bytes.subarray(subjectEnd, end);
    const subject = b.decode[i] ? bytes.toString("utf8", start, subjectEnd) : "";
    start = end;
    hashes.write(sha256Hex(data), i * HASH_HEX, "latin1");
    if (!b.decode[i]) {
      verdicts.push(1);
      continue;
    }
    // Decoded and parsed once: validation reads the parsed value and leaves it as it is, so
    // the validated event is compared with it (a second parse cost a third of the thread's time).
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(data));
    } catch (err) {
      verdicts.push({ reason: "malformed-json", detail: String(err) });
      continue;
    }
    const v = checkParsed(subject, raw, data);
    if (!v.ok) verdicts.push({ reason: v.reason, detail: v.detail });
    else verdicts.push(!here && sameJson(v.event, raw) ? 0 : { event: v.event });
  }
  return { hashes, verdicts };
}

const decoder = new TextDecoder();

/** Bytes as a one-byte string of its own: Buffer's, called on the Uint8Array an answer arrives as. */
const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice(this: Uint8Array, start: number, end: number): string;
  }
).latin1Slice;

/** Deep equality of two JSON values (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // Keys walked in place (no list of them made per object: a dozen objects per event), and
  // looked up once: both are plain objects (what JSON.parse and the validator make), so `for in`
  // gives the same keys as `Object.keys` on each side. 2.6 -> 1.7 us per event of the log.
  let na = 0;
  for (const k in a) {
    na++;
    const bv = (b as Record<string, unknown>)[k];
    if (bv === undefined && !Object.hasOwn(b, k)) return false;
    if (!sameJson((a as Record<string, unknown>)[k], bv)) return false;
  }
  let nb = 0;
  for (const _ in b) nb++;
  return na === nb;
}

/** Messages per batch sent to the checking thread. */
const BATCH = 512;
/** Batches checked ahead of the one being applied, at most. */
const AHEAD = 6;
/** Worth a second thread: a reader this many messages behind the stream's end. */
export const CHECK_AHEAD_FROM = 5_000;

type InFlight<M> = {
  messages: M[];
  answer: Promise<AheadAnswer>;
};

/**
 * A rebuild on two threads: messages are decoded, validated and hashed on a worker thread a few
 * batches ahead, while this thread applies the ones already checked, in stream order. Only the
 * validation moves: an event whose validated form is what `JSON.parse` makes of its bytes is
 * parsed again here (cheaper than copying it across), any other arrives as validated.
 * `apply` sees every message once, in order, with its verdict; a promise it returns is awaited
 * before the next. `close` ends the thread once everything pushed has been applied.
 */
export class CheckAhead<M extends StreamMessage> {
  readonly #decode: (subject: string) => boolean;
  readonly #threadScript: URL | undefined;
  readonly #apply: (m: M, v: AheadVerdict) => Promise<void> | undefined;
  readonly #onError: (err: unknown) => void;
  #worker: Worker | undefined;
  #next = 0;
  readonly #waiting = new Map<number, (a: AheadAnswer) => void>();
  #pending: M[] = [];
  #flushQueued = false;
  readonly #inFlight: InFlight<M>[] = [];
  /**
   * Batches' buffers the thread handed back once it had checked them, to be filled again: half a
   * megabyte allocated for every batch, faulted in here and freed there, cost both threads more
   * than handing them over (0.1-0.4 us per event).
   */
  readonly #spares: ArrayBuffer[] = [];
  #applying: Promise<void> | undefined;
  #room: (() => void) | undefined;
  #failed = false;
  /**
   * Set by the thread once it has loaded what it checks with: batches go to it from then on. Read
   * in place, not sent as a message: a reader whose own work never waits on the event loop would
   * never receive one.
   */
  readonly #ready = new Int32Array(new SharedArrayBuffer(4));
  #onThread = 0;
  #closed = false;

  constructor(opts: {
    decode: (subject: string) => boolean;
    apply: (m: M, v: AheadVerdict) => Promise<void> | undefined;
    onError: (err: unknown) => void;
    /**
     * The checking thread's script: a bundled check-worker.js, as the county's build ships beside
     * the services. Unless given, the one beside this module (bundled), or its source run by tsx.
     */
    thread?: URL | undefined;
  }) {
    this.#threadScript = opts.thread;
    this.#decode = opts.decode;
    this.#apply = opts.apply;
    this.#onError = opts.onError;
  }

  /** Whether the checking thread has loaded and takes the batches (until then they are checked here). */
  get threadReady(): boolean {
    return Atomics.load(this.#ready, 0) === 1;
  }

  /** Messages the checking thread has answered for so far. */
  get checkedOnThread(): number {
    return this.#onThread;
  }

  /** Takes the next message; a promise when enough are waiting that the reader should pause. */
  push(m: M): Promise<void> | undefined {
    // Closed: everything before it applied, the rest is checked here as it comes.
    if (this.#closed) {
      const here = () =>
        this.#apply(m, verdictOf(m, checkBatch(toBatch([m], this.#decode), true), 0));
      // In order: after any pushed before the close that are still being applied.
      if (this.#pending.length > 0 || this.#applying) return this.drained().then(here);
      return here();
    }
    this.#pending.push(m);
    if (this.#pending.length >= BATCH) this.#flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.#flush());
    }
    if (this.#inFlight.length < AHEAD) return undefined;
    return new Promise((resolve) => {
      this.#room = resolve;
    });
  }

  /** Once every message pushed so far has been applied. */
  async drained(): Promise<void> {
    this.#flush();
    while (this.#applying || this.#pending.length > 0) {
      this.#flush();
      await this.#applying;
    }
  }

  /** Once everything pushed has been applied, ends the checking thread; later messages are checked here. */
  async close(): Promise<void> {
    await this.drained();
    this.#closed = true;
    // Whatever was pushed while the last batches were applied goes through the thread too.
    while (this.#pending.length > 0 || this.#applying) await this.drained();
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#pending.length === 0) return;
    const messages = this.#pending;
    this.#pending = [];
    const batch = toBatch(messages, this.#decode, this.#spares);
    this.#inFlight.push({ messages, answer: this.#check(batch) });
    this.#applying ??= this.#applyAll().finally(() => {
      this.#applying = undefined;
    });
  }

  #check(batch: AheadBatch): Promise<AheadAnswer> {
    const worker = this.#failed ? undefined : this.#thread();
    // Until the thread has loaded (a second or two: the catalogue's schemas, the validator),
    // batches are checked here rather than waited for: the reader is not left idle.
    if (!worker || !this.threadReady) {
      const answer = checkBatch(batch, true);
      // Checked: its buffer is free again (nothing answered refers to it).
      if (this.#spares.length < AHEAD) this.#spares.push(batch.bytes.buffer as ArrayBuffer);
      return Promise.resolve(answer);
    }
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      worker.postMessage({ id, batch }, [
        batch.bytes.buffer as ArrayBuffer,
        batch.ends.buffer as ArrayBuffer,
        batch.decode.buffer as ArrayBuffer,
      ]);
    });
  }

  #thread(): Worker | undefined {
    if (this.#worker) return this.#worker;
    try {
      const worker = checkingThread(this.#ready, this.#threadScript);
      worker.unref();
      worker.on("message", (m: { id: number; answer: AheadAnswer; spent?: ArrayBuffer }) => {
        if (m.spent && this.#spares.length < AHEAD) this.#spares.push(m.spent);
        const resolve = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        this.#onThread += m.answer.verdicts.length;
        resolve?.(m.answer);
      });
      worker.on("error", (err) => this.#lost(err));
      this.#worker = worker;
      return worker;
    } catch (err) {
      this.#lost(err);
      return undefined;
    }
  }

  /** The thread is gone: what it had not answered is checked here, as is everything after. */
  #lost(err: unknown): void {
    this.#onError(err);
    this.#failed = true;
    this.#worker = undefined;
    for (const f of this.#inFlight) {
      f.answer = Promise.resolve(checkBatch(toBatch(f.messages, this.#decode), true));
    }
    for (const resolve of this.#waiting.values())
      resolve({ hashes: new Uint8Array(0), verdicts: [] });
    this.#waiting.clear();
  }

  async #applyAll(): Promise<void> {
    while (this.#inFlight.length > 0) {
      const head = this.#inFlight[0]!;
      let answer = await head.answer;
      // Answered empty by a thread that failed meanwhile: `#lost` replaced the promise.
      if (answer.verdicts.length !== head.messages.length) answer = await head.answer;
      this.#inFlight.shift();
      const room = this.#room;
      this.#room = undefined;
      room?.();
      for (let i = 0; i < head.messages.length; i++) {
        const m = head.messages[i]!;
        const pending = this.#apply(m, verdictOf(m, answer, i));
        if (pending) await pending;
      }
    }
  }
}

/**
 * The checking thread. Run from TypeScript sources (tsx, vitest), it registers tsx's loader first:
 * a worker does not inherit the loader of the thread that starts it.
 */
function checkingThread(ready: Int32Array, script?: URL): Worker {
  const workerData = { ready };
  if (script) return new Worker(script, { workerData });
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./check-worker.js", import.meta.url), { workerData });
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./check-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData });
}

/**
 * A buffer of at least `size` bytes: a spare one, or a new one with room for batches a little
 * larger (a spare too small is let go).
 */
function roomFor(size: number, spares: ArrayBuffer[] | undefined): Buffer {
  for (let spare = spares?.pop(); spare; spare = spares?.pop())
    if (spare.byteLength >= size) return Buffer.from(spare);
  return Buffer.allocUnsafeSlow(spares ? Math.ceil(size * 1.25) : size);
}

/**
 * The `i`th message's verdict in a batch's answer. Its hash is a string of its own, read off the
 * answer's bytes: a slice of one string of the batch's hashes would keep all of them (32 kB a
 * batch) alive for as long as a referral's record keeps one.
 */
function verdictOf(m: StreamMessage, answer: AheadAnswer, i: number): AheadVerdict {
  const v = answer.verdicts[i]!;
  const hash = latin1Slice.call(answer.hashes, i * HASH_HEX, (i + 1) * HASH_HEX);
  if (v === 1) return { hash, decoded: false };
  if (v === 0) return { hash, decoded: true, ok: true, event: JSON.parse(decoder.decode(m.data)) };
  if ("event" in v) return { hash, decoded: true, ok: true, event: v.event };
  return { hash, decoded: true, ok: false, reason: v.reason, detail: v.detail };
}

/**
 * The messages' subjects and bytes copied end to end (one buffer to hand over), into one of
 * `spares` when one is large enough.
 */
function toBatch(
  messages: StreamMessage[],
  decode: (subject: string) => boolean,
  spares?: ArrayBuffer[],
): AheadBatch {
  // Room for each subject at three bytes a character, its UTF-8 at most.
  let size = 0;
  for (const m of messages) size += m.data.byteLength + 3 * m.subject.length;
  const bytes = roomFor(size, spares);
  const ends = new Uint32Array(2 * messages.length);
  const flags = new Uint8Array(messages.length);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const checked = decode(m.subject);
    flags[i] = checked ? 1 : 0;
    // Only a message checked needs its subject: one only hashed goes without.
    if (checked) at += bytes.write(m.subject, at, "utf8");
    ends[2 * i] = at;
    bytes.set(m.data, at);
    at += m.data.byteLength;
    ends[2 * i + 1] = at;
  }
  return { decode: flags, bytes: bytes.subarray(0, at), ends };
}
