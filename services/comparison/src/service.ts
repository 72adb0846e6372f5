import { randomUUID } from "node:crypto";
import {
  COMPARISON,
  COMPARISON_REFUSAL_HEADER,
  comparisonSubject,
  MATCH_ROOT,
} from "@liandong/contracts";
import type { Logger, OprfKeys, Publisher } from "@liandong/runtime";
import { headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { evaluateRequest } from "./evaluate.ts";
import { IdentityBudget, type RateLimit } from "./rate-limit.ts";

export type ComparisonOptions = {
  nc: NatsConnection;
  county: string;
  keys: OprfKeys;
  /** The agencies that hold registers of people and may ask (卫健, 计生 by default). */
  holders: readonly string[];
  limit: RateLimit;
  /** Records each request on the log, under the service's own subjects. */
  publisher: Publisher;
  logger: Logger;
  now?: () => number;
};

export type RunningComparison = { stop(): Promise<void>; requests(): number };

/**
 * The comparison service on the bus: answers `ld.match.<county>.<agency>.key` with its public key
 * and `…evaluate` with the evaluated batch and its proof, after the request is on the log
 * (`comparison.requested`, evaluated or refused and why). It keeps no state but the key and
 * each agency's budget; it never has an identity to keep.
 */
export function startComparison(o: ComparisonOptions): RunningComparison {
  const budget = new IdentityBudget(o.limit);
  const holders = new Set(o.holders);
  const now = o.now ?? Date.now;
  let handled = 0;
  // One request at a time: its record is on the log (acknowledged) before it is answered, and no
  // evaluation (CPU for as long as a batch takes) runs while a record awaits its acknowledgement.
  let queue: Promise<void> = Promise.resolve();
  const sub = o.nc.subscribe(`${MATCH_ROOT}.${o.county}.*.*`, {
    callback: (err, msg) => {
      if (err) return;
      queue = queue.then(() =>
        handle(msg).catch((cause) => {
          o.logger.error({ err: cause, subject: msg.subject }, "comparison request failed");
          const h = headers();
          h.set(COMPARISON_REFUSAL_HEADER, "unavailable");
          msg.respond(new Uint8Array(0), { headers: h });
        }),
      );
    },
  });

  async function handle(msg: Msg): Promise<void> {
    const [, , , agency, op] = msg.subject.split(".");
    if (!agency || msg.subject !== comparisonSubject(o.county, agency, op as "key")) return;
    if (op === "key") {
      msg.respond(o.keys.publicKey);
      return;
    }
    if (op !== "evaluate") return;
    const decided = evaluateRequest(
      { agency, body: msg.data, now: now() },
      { keys: o.keys, budget, holders },
    );
    await o.publisher.publish({
      type: "comparison.requested",
      data: decided.record,
      actor: `svc.${COMPARISON}`,
      aggregate: { kind: "comparison", id: randomUUID() },
      prev: null,
    });
    handled++;
    o.logger.info(
      { agency, count: decided.record.count, refused: decided.record.refused },
      "comparison request",
    );
    if ("answer" in decided) {
      msg.respond(decided.answer);
      return;
    }
    const h = headers();
    h.set(COMPARISON_REFUSAL_HEADER, decided.record.refused);
    msg.respond(new Uint8Array(0), { headers: h });
  }

  return {
    requests: () => handled,
    async stop() {
      sub.unsubscribe();
      await queue;
    },
  };
}
