import { randomUUID } from "node:crypto";
import {
  COMPARISON,
  COMPARISON_REFUSAL_HEADER,
  type ComparisonRequested,
  comparisonSubject,
  FactsPart,
  MATCH_ROOT,
  MatchConfig,
  serviceActor,
} from "@liandong/contracts";
import { type Logger, type OprfKeys, type Publisher, uuidFromName } from "@liandong/runtime";
import { headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { evaluateRequest } from "./evaluate.ts";
import { chinaDay, FactsStore } from "./facts.ts";
import { foundOf } from "./found.ts";
import type { FactsKeep } from "./keep.ts";
import { IdentityBudget, type RateLimit } from "./rate-limit.ts";

export type ComparisonOptions = {
  nc: NatsConnection;
  county: string;
  keys: OprfKeys;
  /** The agencies that hold registers of people and may ask (卫健, 计生 by default). */
  holders: readonly string[];
  /** The agencies that keep a drug ledger and give its sales (药监 by default). */
  ledgers?: readonly string[];
  /** The rules' thresholds (the defaults unless given). */
  match?: MatchConfig;
  limit: RateLimit;
  /** Records each request on the log, under the service's own subjects. */
  publisher: Publisher;
  logger: Logger;
  now?: () => number;
  /** Where its facts and recorded findings are kept across a restart (none: memory only). */
  keep?: FactsKeep;
};

export type RunningComparison = {
  stop(): Promise<void>;
  requests(): number;
  /** What it holds between runs (tests read it as a memory dump would). */
  readonly facts: FactsStore;
};

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
  const facts = new FactsStore({ holders: o.holders, ledgers: o.ledgers ?? ["drug-regulation"] });
  const config = o.match ?? MatchConfig.parse({});
  let handled = 0;
  // One request at a time: its record is on the log (acknowledged) before it is answered, and no
  // evaluation (CPU for as long as a batch takes) runs while a record awaits its acknowledgement.
  // What was kept is put back before the first request is taken.
  let queue: Promise<void> = o.keep
    ? o.keep.load(facts).then(
        (loaded) => o.logger.info(loaded, "comparison facts restored"),
        (err: unknown) => o.logger.error({ err }, "kept comparison facts unreadable"),
      )
    : Promise.resolve();
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
    if (op === "facts") return takeFacts(msg, agency);
    if (op === "findings") return giveFindings(msg, agency);
    if (op !== "evaluate") return;
    const decided = evaluateRequest(
      { agency, body: msg.data, now: now() },
      { keys: o.keys, budget, holders },
    );
    await record(decided.record);
    o.logger.info(
      { agency, count: decided.record.count, refused: decided.record.refused },
      "comparison request",
    );
    if ("answer" in decided) {
      msg.respond(decided.answer);
      return;
    }
    refuse(msg, decided.record.refused);
  }

  async function record(data: ComparisonRequested): Promise<void> {
    await o.publisher.publish({
      type: "comparison.requested",
      data,
      actor: serviceActor(COMPARISON),
      aggregate: { kind: "comparison", id: randomUUID() },
      prev: null,
    });
    handled++;
  }

  function refuse(msg: Msg, why: string): void {
    const h = headers();
    h.set(COMPARISON_REFUSAL_HEADER, why);
    msg.respond(new Uint8Array(0), { headers: h });
  }

  // One part of an agency's facts: kept until its set is whole; the whole set on the log (who,
  // how many), the parts before it answered at once.
  async function takeFacts(msg: Msg, agency: string): Promise<void> {
    let part: FactsPart;
    try {
      part = FactsPart.parse(JSON.parse(Buffer.from(msg.data).toString("utf8")));
    } catch {
      await record({ agency, op: "facts", count: 0, refused: "malformed" });
      return refuse(msg, "malformed");
    }
    const taken = facts.accept(agency, part);
    if ("refused" in taken) {
      const count = part.facts.length + part.sales.length;
      await record({ agency, op: "facts", count, refused: taken.refused });
      return refuse(msg, taken.refused);
    }
    // Kept before it is answered: a set answered whole is a set a restart finds whole.
    await o.keep?.part(agency, part.run, part.part, msg.data);
    if (taken.complete) {
      await o.keep?.complete(agency, part.run, part.part + 1);
      await record({ agency, op: "facts", count: taken.count });
      o.logger.info({ agency, count: taken.count }, "comparison facts");
    }
    msg.respond(new Uint8Array(0));
  }

  // The rules over every agency's latest facts: the findings this agency originates, on the log;
  // each finding once as the county may see it (`comparison.found`), before its lead is made.
  async function giveFindings(msg: Msg, agency: string): Promise<void> {
    const reply = facts.findingsFor(agency, chinaDay(now()), config);
    await record({ agency, op: "findings", count: reply.findings.length });
    for (const f of reply.findings) {
      const found = foundOf(f);
      if (facts.recorded(found.finding)) continue;
      await o.publisher.publish({
        type: "comparison.found",
        data: found,
        actor: serviceActor(COMPARISON),
        aggregate: { kind: "comparison", id: found.finding },
        id: uuidFromName(`comparison.found:${f.key}`),
        prev: null,
      });
      facts.markRecorded(found.finding);
      await o.keep?.found(found.finding);
    }
    msg.respond(Buffer.from(JSON.stringify(reply), "utf8"));
  }

  return {
    facts,
    requests: () => handled,
    async stop() {
      sub.unsubscribe();
      await queue;
    },
  };
}
