/**
 * Test support: bus events of one aggregate chained as the agencies' logs chain them (each links
 * to the previous one's hash). The hashes stand in for SHA-256 (unique per event, no digest):
 * readers compare them, never recompute them.
 */
import type { BusEvent } from "@liandong/contracts";
import type { StepMeta } from "./referral/record.ts";

let counter = 0;

/** A fresh UUID-shaped id, deterministic within a run. */
export function testId(): string {
  counter++;
  const hex = counter.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

export type Stored = { event: BusEvent; meta: StepMeta };

export type StepInput = {
  type: string;
  agency: string;
  data: unknown;
  county?: string;
  to?: string;
  toCounty?: string;
  time?: string;
  /** The step it links to: by default the last one made on this chain. */
  after?: Stored | null;
};

/** Makes the events of one aggregate, each linked to the one it was decided on. */
export function chain(kind: string, id: string, county = "441723") {
  let last: Stored | null = null;
  let seq = 0;
  return {
    step(s: StepInput): Stored {
      const eventId = testId();
      const prev = s.after === undefined ? last : s.after;
      const c = s.county ?? county;
      const event = {
        specversion: "1.0",
        id: eventId,
        source: `liandong:${c}:${s.agency}`,
        type: s.type,
        time: s.time ?? "2026-11-02T00:00:00.000Z",
        subject: id,
        county: c,
        agency: s.agency,
        actor: `${s.agency}.liaison`,
        aggregate: { kind, id },
        ...(s.to ? { to: s.to } : {}),
        ...(s.toCounty ? { toCounty: s.toCounty } : {}),
        correlationId: eventId,
        prev: prev?.meta.hash ?? null,
        data: s.data,
      } as unknown as BusEvent;
      const stored = {
        event,
        meta: { seq: ++seq, hash: eventId.replaceAll("-", "").padEnd(64, "0") },
      };
      last = stored;
      return stored;
    },
  };
}

/** Frozen all the way down: a decide or evolve that mutated its input would throw. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
