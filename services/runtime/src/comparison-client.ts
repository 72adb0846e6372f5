import { COMPARISON_REFUSAL_HEADER, comparisonSubject } from "@liandong/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import { blindInputs, finalizePseudonyms, packElements } from "./oprf.ts";

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
      const names = finalizePseudonyms(blinded, m.data, r.publicKey);
      for (let i = 0; i < names.length; i++) out[from + i] = names[i]!;
      done += names.length;
      r.onProgress?.(done, r.inputs.length);
    }
  };
  await Promise.all(Array.from({ length: r.window ?? 2 }, worker));
  return out;
}
