import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { HttpEnv } from "./http.ts";
import { idempotencyKey, type Remembered, replayed, requestFingerprint } from "./idempotency.ts";
import type { Bucket } from "./ports.ts";

const enc = (v: unknown) => JSON.stringify(v);
const dec = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

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

  constructor(bucket: Bucket) {
    this.#bucket = bucket;
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
    const stored = await this.#bucket.get(`idem.${key}`);
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
      await this.#bucket.put(`idem.${key}`, enc({ fingerprint, result } satisfies Remembered<R>));
      return { result, replay: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }
}
