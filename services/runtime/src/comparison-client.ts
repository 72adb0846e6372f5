import { createHmac, randomUUID } from "node:crypto";
import {
  COMPARISON_REFUSAL_HEADER,
  comparisonSubject,
  type FactsPart,
  FindingsReply,
  type LedgerSaleFact,
  type PregnancyFact,
} from "@liandong/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import { blindInputs, finalizePseudonyms, OprfError, oprfReady, packElements } from "./oprf.ts";

/** The comparison service said no (rate-limited, too-large, malformed, not-a-holder, unavailable). */
export class ComparisonRefused extends Error {
  override readonly name = "ComparisonRefused";
  readonly code: string;
  constructor(code: string) {
    super(`比对服务拒绝了请求：${code}`);
    this.code = code;
  }
}

/** The comparison service's public key, to be pinned by the agency (the proofs are checked against it). */
export async function comparisonKey(
  nc: NatsConnection,
  county: string,
  agency: string,
  timeoutMs = 5000,
): Promise<Uint8Array> {
  const m = await nc.request(comparisonSubject(county, agency, "key"), new Uint8Array(0), {
    timeout: timeoutMs,
  });
  if (m.data.length !== 32) throw new ComparisonRefused("no-key");
  return new Uint8Array(m.data);
}

export type PseudonymRequest = {
  county: string;
  agency: string;
  /** The key pinned for this county's comparison service. */
  publicKey: Uint8Array;
  /** Identity inputs (`identityInput`): each is blinded here and never leaves as it is. */
  inputs: readonly string[];
  /** Elements per request (at most the service's `MAX_BATCH`). */
  batch?: number;
  /** Requests in flight at once. */
  window?: number;
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
};

/**
 * The pseudonyms of `inputs`, in order: blinded here, evaluated by the comparison service,
 * proven and unblinded here. Batches go out `window` at a time.
 */
export async function pseudonymsOf(nc: NatsConnection, r: PseudonymRequest): Promise<string[]> {
  const size = r.batch ?? 1024;
  const out: string[] = new Array(r.inputs.length);
  const subject = comparisonSubject(r.county, r.agency, "evaluate");
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < r.inputs.length) {
      const from = next;
      next += size;
      const blinded = blindInputs(r.inputs.slice(from, from + size));
      const m = await nc.request(subject, packElements(blinded.blinded), {
        timeout: r.timeoutMs ?? 30_000,
      });
      const refused = m.headers?.get(COMPARISON_REFUSAL_HEADER);
      if (refused) throw new ComparisonRefused(refused);
      let names: string[];
      try {
        names = finalizePseudonyms(blinded, m.data, r.publicKey);
      } catch (err) {
        // Proved under another key than the one pinned (or not proved): nothing of it is used.
        if (err instanceof OprfError && err.code === "unproven")
          throw new ComparisonRefused("unproven");
        throw err;
      }
      for (let i = 0; i < names.length; i++) out[from + i] = names[i]!;
      done += names.length;
      r.onProgress?.(done, r.inputs.length);
    }
  };
  await Promise.all(Array.from({ length: r.window ?? 2 }, worker));
  return out;
}

/**
 * An agency's side of 数据比对 on the bus, as a service's wiring receives it: its identities'
 * pseudonyms (through the OPRF, then tagged with the holders' key where it was given one), its
 * facts handed over in parts, and the findings it originates.
 */
export interface ComparisonPort {
  /**
   * The pseudonyms of identity inputs, in order. With the holders' tag key, each OPRF output is
   * tagged (HMAC-SHA512) before it leaves: the comparison service holds the OPRF key, and
   * could otherwise compute the output of any ID number it guesses and so name a fact.
   */
  pseudonyms(inputs: readonly string[]): Promise<string[]>;
  /** This agency's whole set of facts (or ledger sales), replacing its last one at the service. */
  submit(set: {
    facts?: readonly PregnancyFact[];
    sales?: readonly LedgerSaleFact[];
  }): Promise<void>;
  /** The rules over every agency's latest facts: the findings this agency originates. */
  findings(): Promise<FindingsReply>;
}

/** Facts per message (a fact is ~300 bytes of JSON: well under a NATS message's 1 MB). */
const FACTS_PER_PART = 2_000;

export function comparisonPort(
  nc: NatsConnection,
  o: {
    county: string;
    agency: string;
    tagKey?: Uint8Array | undefined;
    /** The service's public key from configuration: proofs under any other are refused. */
    publicKey?: Uint8Array | undefined;
    timeoutMs?: number;
  },
): ComparisonPort {
  let pinned: Promise<Uint8Array> | undefined = o.publicKey
    ? Promise.resolve(o.publicKey)
    : undefined;
  const timeout = o.timeoutMs ?? 60_000;
  const ask = async (op: "facts" | "findings", body: Uint8Array) => {
    const m = await nc.request(comparisonSubject(o.county, o.agency, op), body, { timeout });
    const refused = m.headers?.get(COMPARISON_REFUSAL_HEADER);
    if (refused) throw new ComparisonRefused(refused);
    return m;
  };
  return {
    async pseudonyms(inputs) {
      if (inputs.length === 0) return [];
      await oprfReady();
      pinned ??= comparisonKey(nc, o.county, o.agency);
      const publicKey = await pinned.catch((err) => {
        pinned = undefined;
        throw err;
      });
      const names = await pseudonymsOf(nc, {
        county: o.county,
        agency: o.agency,
        publicKey,
        inputs,
        timeoutMs: timeout,
      });
      const key = o.tagKey;
      return key ? names.map((n) => tagPseudonym(key, n)) : names;
    },
    async submit(set) {
      const facts = set.facts ?? [];
      const sales = set.sales ?? [];
      const run = randomUUID();
      const parts = Math.max(1, Math.ceil((facts.length + sales.length) / FACTS_PER_PART));
      for (let p = 0; p < parts; p++) {
        const from = p * FACTS_PER_PART;
        const to = from + FACTS_PER_PART;
        const part: FactsPart = {
          run,
          part: p,
          last: p === parts - 1,
          facts: facts.slice(from, to),
          sales: sales.slice(Math.max(0, from - facts.length), Math.max(0, to - facts.length)),
        };
        await ask("facts", Buffer.from(JSON.stringify(part), "utf8"));
      }
    },
    async findings() {
      const m = await ask("findings", new Uint8Array(0));
      return FindingsReply.parse(JSON.parse(Buffer.from(m.data).toString("utf8")));
    },
  };
}

/** The holders' tag of an OPRF output (base64url in, base64url out, 64 bytes as the output). */
export function tagPseudonym(tagKey: Uint8Array, pseudonym: string): string {
  return createHmac("sha512", tagKey)
    .update(Buffer.from(pseudonym, "base64url"))
    .digest("base64url");
}
