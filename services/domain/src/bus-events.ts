import type { AggregateKind, BusEvent } from "@liandong/contracts";

/** The bus events of the aggregates of one kind whose event types are all its own (`<kind>.<step>`). */
export type KindEvent<K extends AggregateKind> = Extract<BusEvent, { type: `${K}.${string}` }>;

/** Whether a bus event is a step of an aggregate of `kind`. */
export function isOfKind<K extends AggregateKind>(kind: K, e: BusEvent): e is KindEvent<K> {
  return e.aggregate.kind === kind && e.type.startsWith(`${kind}.`);
}

export type CaseBusEvent = KindEvent<"case">;
export type ConsentBusEvent = KindEvent<"consent">;
export type InformantBusEvent = KindEvent<"informant">;

export const isConsentEvent = (e: BusEvent): e is ConsentBusEvent => isOfKind("consent", e);
export const isInformantEvent = (e: BusEvent): e is InformantBusEvent => isOfKind("informant", e);
