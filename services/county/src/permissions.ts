import {
  addressedToOwnCounty,
  agencyBucket,
  COMPARISON,
  COMPARISON_BUCKET,
  EVENTS_ROOT,
  jetstreamDomain,
  MATCH_ROOT,
  officerRegisterSubjects,
  STREAM_REWRITE_APIS,
  STREAMS,
} from "@liandong/contracts";
import { API_AUDIT_ADVISORY } from "@liandong/runtime";

export type Permissions = {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[] };
  /** May answer the requests it receives (the reply subjects, and only those). */
  allowResponses?: boolean;
};

/** Durable consumers an agency may run on the shared EVENTS stream, each over its own subjects only. */
export const eventConsumers = (agency: string) => [`${agency}-sharer`, `${agency}-sealer`];

/**
 * The rewrites of a stream (`STREAM_REWRITE_APIS`) denied to an everyday identity, on any
 * stream, under the plain API prefix and under a domain's (`$JS.<domain>.API`, which the server
 * maps to the plain one after the permission check). Only the break-glass identity can.
 */
function noRewrite(apis: readonly string[] = STREAM_REWRITE_APIS): string[] {
  return apis.flatMap((api) => [`$JS.API.${api}.>`, `$JS.*.API.${api}.>`]);
}

/**
 * The agencies' durables on EVENTS (their outbox, their sealer) are theirs: not to be pulled
 * from, acked, replaced or deleted by an identity that reads the whole log (the office, the
 * auditor, the admin).
 */
function othersDurables(agencies: readonly string[], except?: string): string[] {
  return agencies
    .filter((a) => a !== except)
    .flatMap(eventConsumers)
    .flatMap((name) => [
      `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${name}`,
      `$JS.API.CONSUMER.CREATE.${STREAMS.events}.${name}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${STREAMS.events}.${name}`,
      `$JS.API.CONSUMER.DELETE.${STREAMS.events}.${name}`,
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.${name}`,
      `$JS.ACK.${STREAMS.events}.${name}.>`,
    ]);
}

/** Reading one stream through consumers of one's own (ephemeral, ordered), and its messages. */
function readStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
  ];
}

/** Full use of one stream the identity owns (its inbox, its bucket): never a rewrite of it. */
function ownStream(stream: string): string[] {
  return [
    ...readStream(stream),
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * What one agency's NATS identity may do. The server authenticates subjects only, so this is
 * where "an agency acts only as itself" is enforced: it publishes only events whose publisher
 * token is its own, reads only its inbox and its bucket, and receives replies only on its own
 * inbox prefix; of the log it reads only the county's register of officers. The office reads
 * the whole EVENTS stream (it tracks everything). None touches another agency's durables.
 * Neither rewrites a stream, not even its own inbox or bucket (`noRewrite`).
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
    // Asks the comparison service as itself (数据比对): the service reads who asks from here.
    `${MATCH_ROOT}.${county}.${agency}.>`,
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
  const deny = [addressedToOwnCounty(county), ...noRewrite()];
  if (opts.office) {
    // The office reads everything through consumers of its own.
    publish.push(...ownStream(STREAMS.events));
  } else {
    // Every agency follows the county's register of named officers (a revocation reaches it at
    // once): ordered consumers filtered to the register's subjects, nothing else of the log.
    publish.push(
      `$JS.API.CONSUMER.CREATE.${STREAMS.events}.*.${officerRegisterSubjects(county)}`,
      `$JS.API.CONSUMER.INFO.${STREAMS.events}.*`,
      `$JS.API.CONSUMER.DELETE.${STREAMS.events}.*`,
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.events}.*`,
    );
  }
  deny.push(...othersDurables(opts.agencies ?? [], agency));
  return {
    publish: { allow: publish, deny },
    // The office also hears the server's audit of each JetStream API call: it records every
    // rewrite of a stream, whoever made it.
    subscribe: {
      allow: [`_INBOX_${agency}.>`, ...(opts.office ? [API_AUDIT_ADVISORY] : [])],
    },
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

/**
 * The auditor (`liandong export`, `liandong verify --nats`): reads EVENTS through consumers of
 * its own, and nothing else. It publishes no event, writes no bucket, rewrites nothing.
 */
export function auditorPermissions(agencies: readonly string[]): Permissions {
  return {
    publish: {
      allow: ["$JS.API.INFO", ...readStream(STREAMS.events)],
      deny: [...noRewrite(), ...othersDurables(agencies)],
    },
    subscribe: { allow: ["_INBOX_auditor.>"] },
  };
}

/**
 * The county's administrator (the launcher's provisioning; an operator looking at the bus):
 * creates streams and buckets and reads everything, but rewrites no stream (a stream whose
 * configuration must change is changed with the break-glass identity), writes no agency's
 * bucket (a roll-up message would purge it) and touches no agency's durable.
 */
export function adminPermissions(agencies: readonly string[]): Permissions {
  return {
    publish: {
      allow: [">"],
      deny: [...noRewrite(), "$KV.>", ...othersDurables(agencies)],
    },
    subscribe: { allow: [">"] },
  };
}

/**
 * The region link's keeper (`keepSourcesFlowing`): looks at the streams, restarts what comes
 * over a link by reconfiguring the one copy kept of it (REGION_IN_<neighbour>, never the log),
 * and in a cluster moves a stream's leader (which sets its sources up afresh).
 */
export function keeperPermissions(neighbours: readonly string[]): Permissions {
  return {
    publish: {
      allow: [
        "$JS.API.INFO",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.STREAM.LEADER.STEPDOWN.*",
        ...neighbours.map((n) => `$JS.API.STREAM.UPDATE.${STREAMS.regionIn(n)}`),
      ],
      deny: noRewrite(STREAM_REWRITE_APIS.filter((api) => api !== "STREAM.UPDATE")),
    },
    subscribe: { allow: ["_INBOX_keeper.>"] },
  };
}

/**
 * The comparison service (数据比对): hears the agencies' requests to it and answers each, and
 * records every request on the log under its own events. It reads no stream, no agency's bucket,
 * no inbox: what it holds of a request is a batch of blinded elements, and of the holders' facts
 * (pseudonyms and dates) the latest whole set of each, in a bucket of its own.
 */
export function comparisonPermissions(county: string): Permissions {
  return {
    publish: {
      allow: [
        `${EVENTS_ROOT}.${county}.${COMPARISON}.>`,
        "$JS.API.INFO",
        `$JS.API.STREAM.INFO.${STREAMS.events}`,
        // Its own bucket: the holders' latest facts (pseudonyms), kept across a restart.
        ...ownStream(`KV_${COMPARISON_BUCKET}`),
        `$KV.${COMPARISON_BUCKET}.>`,
      ],
      deny: [addressedToOwnCounty(county), ...noRewrite()],
    },
    subscribe: { allow: [`${MATCH_ROOT}.${county}.*.*`, `_INBOX_${COMPARISON}.>`] },
    allowResponses: true,
  };
}
