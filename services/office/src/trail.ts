import {
  type AggregateKind,
  AggregateKind as AggregateKindSchema,
  aggregateSubjects,
  parseEvent,
  STREAMS,
} from "@liandong/contracts";
import { type ChainLink, ProblemError, verifyChain } from "@liandong/runtime";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/** One step of an aggregate's trail: who did what, when and why. */
export type TrailStep = {
  seq: number;
  type: string;
  agency: string;
  actor: string;
  time: string;
  to?: string;
  reason?: string;
};

/**
 * The whole history of a referral or lead, read from the shared log in the order the stream
 * stored it, with the verification of its hash chain (留痕).
 */
export async function readTrail(nc: NatsConnection, county: string, kind: string, id: string) {
  const parsedKind = AggregateKindSchema.safeParse(kind);
  if (!parsedKind.success || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new ProblemError(404, "not-found", "未找到该记录");
  }
  const links = await aggregateEvents(nc, county, parsedKind.data, id);
  if (links.length === 0) throw new ProblemError(404, "not-found", "未找到该记录");
  const steps: TrailStep[] = links.map((l) => {
    const parsed = parseEvent(JSON.parse(Buffer.from(l.bytes).toString("utf8")));
    if (!parsed.ok) return { seq: l.seq, type: "invalid", agency: "", actor: "", time: "" };
    const e = parsed.event;
    const data = e.data as { reason?: unknown };
    return {
      seq: l.seq,
      type: e.type,
      agency: e.agency,
      actor: e.actor,
      time: e.time,
      ...(e.to ? { to: e.to } : {}),
      ...(typeof data.reason === "string" ? { reason: data.reason } : {}),
    };
  });
  return { aggregate: { kind: parsedKind.data, id }, verification: verifyChain(links), steps };
}

async function aggregateEvents(
  nc: NatsConnection,
  county: string,
  kind: AggregateKind,
  id: string,
): Promise<ChainLink[]> {
  const consumer = await jetstream(nc).consumers.get(STREAMS.events, {
    // Ordered consumers number their names from the prefix: one prefix per read.
    name_prefix: `office_trail_${crypto.randomUUID().replaceAll("-", "")}`,
    filter_subjects: aggregateSubjects(county, kind, id),
    deliver_policy: DeliverPolicy.All,
  });
  const pending = (await consumer.info(true)).num_pending;
  const links: ChainLink[] = [];
  if (pending === 0) return links;
  const messages = await consumer.consume();
  for await (const m of messages) {
    links.push({ seq: m.seq, bytes: m.data });
    if (m.info.pending === 0) break;
  }
  return links;
}
