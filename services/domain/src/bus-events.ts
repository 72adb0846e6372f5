import type {
  AgencyCode,
  AggregateKind,
  BusEvent,
  EventData,
  EventType,
} from "@liandong/contracts";

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

/** The envelope's fields an aggregate may read of its events, besides type, time and data. */
type EnvelopeFields = {
  /** The event's id: folding an event again changes nothing. */
  id: string;
  /** The officer who took the step. */
  actor: string;
  /** The agency that recorded it (the envelope's, authenticated by the subject). */
  agency: AgencyCode;
  /** The county that recorded it (likewise). */
  county: string;
};

/**
 * An event of type `T` as its aggregate's `decide` makes it and its `evolve` folds it (an
 * envelope read off the bus is one): its type, when it was recorded (ISO 8601: the command's
 * `at`, the envelope's `time`), its data, and the envelope's fields `F` the aggregate reads.
 */
export type RecordedEvent<T extends EventType, F extends keyof EnvelopeFields = never> = {
  type: T;
  time: string;
  data: EventData<T>;
} & Pick<EnvelopeFields, F>;
