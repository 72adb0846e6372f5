import {
  addressedToOwnCounty,
  agencyBucket,
  EVENTS_ROOT,
  jetstreamDomain,
  STREAMS,
} from "@liandong/contracts";

export type Permissions = {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[] };
};

/** Durable consumers an agency may run on the shared EVENTS stream, each over its own subjects only. */
export const eventConsumers = (agency: string) => [`${agency}-sharer`, `${agency}-sealer`];

/** Full use of one stream the identity owns (its inbox, its bucket). */
function ownStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * What one agency's NATS identity may do. The server authenticates subjects only, so this is
 * where "an agency acts only as itself" is enforced: it publishes only events whose publisher
 * token is its own, reads only its inbox and its bucket, and receives replies only on its own
 * inbox prefix. The office additionally reads the whole EVENTS stream (it tracks everything).
 */
export function agencyPermissions(
  county: string,
  agency: string,
  opts: { office: boolean; agencies?: readonly string[] },
): Permissions {
  const bucketStream = `KV_${agencyBucket(agency)}`;
  const publish = [
    // At home and across a county line, as itself (never addressing its own county as if
    // across the line: denied below).
    `${EVENTS_ROOT}.${county}.${agency}.>`,
    `ld.dlq.${agency}.>`,
    "$JS.API.INFO",
    `$JS.API.STREAM.INFO.${STREAMS.events}`,
    // The last event on one of its own subjects, read back after a crash (the form of a direct
    // get that names the subject in the request's own subject, so that this confines it).
    `$JS.API.DIRECT.GET.${STREAMS.events}.${EVENTS_ROOT}.${county}.${agency}.>`,
    ...ownStream(STREAMS.inbox(agency)),
    ...ownStream(bucketStream),
    `$KV.${agencyBucket(agency)}.>`,
    ...eventConsumers(agency).flatMap((name) => [
      `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${name}.${EVENTS_ROOT}.${county}.${agency}.>`,
      `$JS.API.CONSUMER.INFO.${STREAMS.events}.${name}`,
      `$JS.API.CONSUMER.DELETE.${STREAMS.events}.${name}`,
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.${name}`,
      `$JS.ACK.${STREAMS.events}.${name}.>`,
    ]),
  ];
  const deny = [addressedToOwnCounty(county)];
  if (opts.office) {
    publish.push(...ownStream(STREAMS.events));
    // The office reads everything through consumers of its own; the agencies' durables on
    // EVENTS (their outbox and their sealer) are theirs: not to be pulled from, acked,
    // replaced or deleted by the office.
    for (const other of (opts.agencies ?? []).filter((a) => a !== agency))
      for (const name of eventConsumers(other))
        deny.push(
          `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${name}`,
          `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${name}.>`,
          `$JS.API.CONSUMER.DURABLE.CREATE.${STREAMS.events}.${name}`,
          `$JS.API.CONSUMER.DELETE.${STREAMS.events}.${name}`,
          `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.${name}`,
          `$JS.ACK.${STREAMS.events}.${name}.>`,
        );
  }
  return {
    publish: { allow: publish, deny },
    subscribe: { allow: [`_INBOX_${agency}.>`] },
  };
}

/** What a neighbouring server may ask of `stream` through a JetStream API prefix. */
function sourceApi(prefix: string, stream: string): string[] {
  return [
    `${prefix}.STREAM.INFO.${stream}`,
    `${prefix}.CONSUMER.CREATE.${stream}`,
    `${prefix}.CONSUMER.CREATE.${stream}.>`,
    `${prefix}.CONSUMER.INFO.${stream}.*`,
    `${prefix}.CONSUMER.DELETE.${stream}.*`,
  ];
}

/**
 * The leaf-node link of one neighbouring county, as this county authorises it. Over it the
 * neighbour's server may source one stream of ours, the one addressed to it, and nothing else;
 * and we source the one stream it addresses to us. (`publish`: what may flow from the
 * neighbour into this county; `subscribe`: what may flow from this county to the neighbour.)
 */
export function linkPermissions(county: string, neighbour: string): Permissions {
  const ours = jetstreamDomain(county);
  const theirs = jetstreamDomain(neighbour);
  // Sourcing's own plumbing: deliveries, acks, flow control and API replies.
  const plumbing = ["$JS.S.>", "$JS.FC.>", "$JSC.R.>"];
  return {
    publish: {
      allow: [
        // The server maps its own domain's API to the plain one before it checks: allow both.
        ...sourceApi(`$JS.${ours}.API`, STREAMS.regionOut(neighbour)),
        ...sourceApi("$JS.API", STREAMS.regionOut(neighbour)),
        `$JS.ACK.${STREAMS.regionOut(neighbour)}.>`,
        ...plumbing,
      ],
    },
    subscribe: {
      allow: [
        ...sourceApi(`$JS.${theirs}.API`, STREAMS.regionOut(county)),
        `$JS.ACK.${STREAMS.regionOut(county)}.>`,
        ...plumbing,
      ],
    },
  };
}
