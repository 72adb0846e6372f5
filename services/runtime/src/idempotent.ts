import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { HttpEnv } from "./http.ts";
import { idempotencyKey, type Remembered, replayed, requestFingerprint } from "./idempotency.ts";
import type { Bucket } from "./ports.ts";

const enc = (v: unknown) => JSON.stringify(v);
const dec = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;
const PREFIX = "idem";
/**
 * A remembered key's short form in `#known`: its first 28 bits (the key is hex), a small integer
 * that V8 holds without a box. A new key sharing one with a remembered key (1 in 2,700 with
 * 100,000 remembered) is looked up, for nothing.
 */
const short = (key: string) => Number.parseInt(key.slice(0, 7), 16);

/**
 * Requests made once whatever the retries (`Idempotency-Key`), written once for every route:
 * the key is the officer's, scoped to the method and path; the first result is remembered in the
 * service's own bucket with the fingerprint of the request that made it; a retry of the same
 * request answers it, a key reused with another body is refused (422 naming the key), and two
 * copies of one request in flight at once share one piece of work.
 */
export class IdempotentRequests {
  readonly #bucket: Bucket;
  readonly #inFlight = new Map<string, { fingerprint: string; work: Promise<unknown> }>();
  /**
   * Once `load` has listed them: every key the bucket may remember a result under (short forms,
   * so two keys may share one). A key not among them has none, and its request is run without
   * asking the bucket first (a round trip on the bus, a JetStream API call, before every keyed
   * request); one among them is looked up. The bucket is the agency's own, written by its one
   * service: what this process remembers goes in here as it is written.
   */
  #known: Set<number> | undefined;
  /** While `load` lists them: the set it fills, which what this process writes meanwhile joins. */
  #listing: Set<number> | undefined;

  constructor(bucket: Bucket) {
    this.#bucket = bucket;
  }

  /**
   * Lists the keys the bucket remembers results under, so that a new key is not looked up. Not
   * awaited before a service answers (the list grows with the agency's history: 100,000 keys
   * took 0.9 s of CPU to list): until it is done every key is looked up, as without it, and a
   * key written meanwhile joins the list being made, whether or not the listing sees it.
   */
  async load(): Promise<void> {
    const known = new Set<number>();
    this.#listing = known;
    try {
      for await (const k of await this.#bucket.keys(`${PREFIX}.>`))
        known.add(short(k.slice(PREFIX.length + 1)));
      this.#known = known;
    } finally {
      this.#listing = undefined;
    }
  }

  /**
   * Runs `work` once for this request. `work` gets the request's key as the officer sent it
   * (undefined without one), from which it may derive the ids of what it records, with the
   * officer's id, so that a retry after a crash before the result was remembered still finds
   * what it made. `replay`: the answer is a remembered one.
   */
  async run<R>(
    c: Context<HttpEnv>,
    body: unknown,
    work: (key: string | undefined) => Promise<R>,
  ): Promise<{ result: R; replay: boolean }> {
    const raw = idempotencyKey(c);
    if (raw === undefined) return { result: await work(undefined), replay: false };
    const officer = c.get("officer")?.id ?? "";
    const key = createHash("sha256")
      .update(`${officer}\u0000${c.req.method} ${c.req.path}\u0000${raw}`)
      .digest("hex");
    const fingerprint = requestFingerprint(c, body);
    const stored =
      this.#known && !this.#known.has(short(key))
        ? undefined
        : await this.#bucket.get(`${PREFIX}.${key}`);
    if (stored?.operation === "PUT")
      return { result: replayed(dec<Remembered<R>>(stored.value), fingerprint), replay: true };
    const running = this.#inFlight.get(key);
    if (running) {
      const result = (await replayed(
        { fingerprint: running.fingerprint, result: running.work },
        fingerprint,
      )) as R;
      return { result, replay: true };
    }
    const started = work(raw);
    this.#inFlight.set(key, { fingerprint, work: started });
    try {
      const result = await started;
      // Known from now on, whether or not the write below is answered (it may be stored all the
      // same): a key known and not remembered is only looked up for nothing.
      (this.#known ?? this.#listing)?.add(short(key));
      await this.#bucket.put(
        `${PREFIX}.${key}`,
        enc({ fingerprint, result } satisfies Remembered<R>),
      );
      return { result, replay: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }
}
