import { FactsPart } from "@liandong/contracts";
import type { Logger } from "@liandong/runtime";
import type { KV } from "@nats-io/kv";
import type { FactsStore } from "./facts.ts";

type SetPointer = { run: string; parts: number };

/**
 * What the comparison service keeps across a restart, in its own bucket (`COMPARISON_BUCKET`):
 * each part of a holder's facts as it was given (`part.<agency>.<run>.<n>`: pseudonyms and
 * facts, never an identity), which run is each agency's latest whole set (`set.<agency>`), and
 * the findings already on the log (`found.<finding>`). A set replaced is deleted; with a history
 * of one, nothing of it stays in the bucket.
 */
export class FactsKeep {
  readonly #kv: KV;
  readonly #logger: Logger;

  constructor(kv: KV, logger: Logger) {
    this.#kv = kv;
    this.#logger = logger;
  }

  /** One part as the agency sent it, before it is answered. */
  async part(agency: string, run: string, n: number, bytes: Uint8Array): Promise<void> {
    await this.#kv.put(`part.${agency}.${run}.${n}`, bytes);
  }

  /** The agency's run is its latest whole set: the last one's parts go. */
  async complete(agency: string, run: string, parts: number): Promise<void> {
    const before = await this.#pointer(agency);
    await this.#kv.put(`set.${agency}`, JSON.stringify({ run, parts } satisfies SetPointer));
    if (before && before.run !== run)
      for (let i = 0; i < before.parts; i++)
        await this.#kv.delete(`part.${agency}.${before.run}.${i}`);
  }

  /** A finding now on the log (`comparison.found`). */
  async found(finding: string): Promise<void> {
    await this.#kv.put(`found.${finding}`, "1");
  }

  async #pointer(agency: string): Promise<SetPointer | undefined> {
    const e = await this.#kv.get(`set.${agency}`);
    if (e?.operation !== "PUT" || e.value.length === 0) return undefined;
    return e.json<SetPointer>();
  }

  /**
   * Puts back what was kept: each agency's latest whole set, taken part by part as when it was
   * given, and the findings on the log. Parts of a run that never completed are deleted.
   */
  async load(store: FactsStore): Promise<{ sets: number; facts: number; found: number }> {
    const keys: string[] = [];
    for await (const k of await this.#kv.keys()) keys.push(k);
    const sets = new Map<string, SetPointer>();
    for (const k of keys.filter((k) => k.startsWith("set."))) {
      const agency = k.slice(4);
      const p = await this.#pointer(agency);
      if (p) sets.set(agency, p);
    }
    let facts = 0;
    for (const [agency, p] of sets) {
      let taken = false;
      for (let i = 0; i < p.parts; i++) {
        const e = await this.#kv.get(`part.${agency}.${p.run}.${i}`);
        if (e?.operation !== "PUT") break;
        const part = FactsPart.parse(e.json());
        const r = store.accept(agency, part);
        if ("refused" in r) break;
        if (r.complete) {
          taken = true;
          facts += r.count;
        }
      }
      if (!taken) this.#logger.warn({ agency, run: p.run }, "kept facts incomplete: not taken");
    }
    let found = 0;
    for (const k of keys) {
      if (k.startsWith("found.")) {
        store.markRecorded(k.slice(6));
        found++;
      } else if (k.startsWith("part.")) {
        const [, agency = "", run] = k.split(".");
        if (sets.get(agency)?.run !== run) await this.#kv.delete(k);
      }
    }
    return { sets: sets.size, facts, found };
  }
}
