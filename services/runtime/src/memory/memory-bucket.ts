import { BusError } from "../errors.ts";
import type { Bucket, BucketEntry } from "../ports.ts";
import { subjectMatches } from "./subject-match.ts";

// NATS KV's own key rules (@nats-io/kv): a key that works here works there.
const VALID_KEY = /^[-/=.\w]+$/;
const VALID_FILTER = /^[-/=.>*\w]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkKey(key: string, pattern: RegExp): void {
  if (key.startsWith(".") || key.endsWith(".") || key.includes("..") || !pattern.test(key))
    throw new Error(`invalid key: ${key}`);
}

class Entry implements BucketEntry {
  constructor(
    readonly key: string,
    readonly value: Uint8Array,
    readonly revision: number,
    readonly operation: "PUT" | "DEL",
  ) {}
  json<T>(): T {
    return JSON.parse(this.string()) as T;
  }
  string(): string {
    return decoder.decode(this.value);
  }
}

/**
 * An agency's bucket in memory, as NATS KV behaves for what the services do with it: revisions
 * numbered across the bucket, `create` refused while the key holds a value, a deleted key listed
 * no more but read as a deletion, keys and filters checked as NATS KV checks them.
 */
export class MemoryBucket implements Bucket {
  readonly #entries = new Map<string, Entry>();
  #revision = 0;

  constructor(readonly name: string) {}

  async get(key: string): Promise<BucketEntry | null> {
    checkKey(key, VALID_KEY);
    return this.#entries.get(key) ?? null;
  }

  async put(key: string, value: string | Uint8Array): Promise<number> {
    checkKey(key, VALID_KEY);
    // A copy, as the bucket's stream would store: the caller may reuse its buffer.
    const bytes = typeof value === "string" ? encoder.encode(value) : value.slice();
    const revision = ++this.#revision;
    this.#entries.set(key, new Entry(key, bytes, revision, "PUT"));
    return revision;
  }

  async create(key: string, value: string | Uint8Array): Promise<number> {
    checkKey(key, VALID_KEY);
    const last = this.#entries.get(key);
    if (last?.operation === "PUT")
      throw new BusError("wrong-last-sequence", `wrong last sequence: ${last.revision}`, false);
    return this.put(key, value);
  }

  async delete(key: string): Promise<void> {
    checkKey(key, VALID_KEY);
    const revision = ++this.#revision;
    this.#entries.set(key, new Entry(key, new Uint8Array(), revision, "DEL"));
  }

  async keys(filter = ">"): Promise<AsyncIterable<string>> {
    checkKey(filter, VALID_FILTER);
    const keys = [...this.#entries.values()]
      .filter((e) => e.operation === "PUT" && subjectMatches(filter, e.key))
      .map((e) => e.key);
    return (async function* () {
      yield* keys;
    })();
  }
}
