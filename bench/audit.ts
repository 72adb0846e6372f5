import { createHash, randomUUID } from "node:crypto";
import { type ChainLink, verifyChain } from "@liandong/runtime";
import type { Figure } from "./run.ts";

/** Verifies the hash chain of `events` events shaped like the bus's envelopes. */
export function auditBench(opts: {
  events: number;
  log: (s: string) => void;
}): Record<string, Figure> {
  const links: ChainLink[] = new Array(opts.events);
  let prev: string | null = null;
  const aggregate = randomUUID();
  for (let i = 0; i < opts.events; i++) {
    const bytes: Buffer = Buffer.from(
      JSON.stringify({
        specversion: "1.0",
        id: randomUUID(),
        source: "liandong:441723:health",
        type: "referral.accepted",
        time: new Date(1_790_000_000_000 + i * 1000).toISOString(),
        subject: aggregate,
        county: "441723",
        agency: "health",
        actor: "health.liaison",
        aggregate: { kind: "referral", id: aggregate },
        to: "family-planning",
        correlationId: aggregate,
        prev,
        data: { referralId: aggregate, by: "health" },
      }),
    );
    links[i] = { seq: i + 1, bytes };
    prev = createHash("sha256").update(bytes).digest("hex");
  }
  const started = performance.now();
  const finding = verifyChain(links);
  const seconds = (performance.now() - started) / 1000;
  if (!finding.ok || finding.checked !== opts.events)
    throw new Error(`verification failed: ${JSON.stringify(finding)}`);
  opts.log(`校验 ${opts.events} 条事件的哈希链：${seconds.toFixed(2)} 秒`);
  return {
    "audit.verify_events_per_s": { value: Math.round(opts.events / seconds), unit: "events/s" },
  };
}
