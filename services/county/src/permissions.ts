import { agencyBucket, EVENTS_ROOT, STREAMS } from "@liandong/contracts";

export type Permissions = { publish: { allow: string[] }; subscribe: { allow: string[] } };

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
  opts: { office: boolean },
): Permissions {
  const bucketStream = `KV_${agencyBucket(agency)}`;
  const publish = [
    `${EVENTS_ROOT}.${county}.${agency}.>`,
    `ld.dlq.${agency}.>`,
    "$JS.API.INFO",
    `$JS.API.STREAM.INFO.${STREAMS.events}`,
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
  if (opts.office) publish.push(...ownStream(STREAMS.events));
  return { publish: { allow: publish }, subscribe: { allow: [`_INBOX_${agency}.>`] } };
}
