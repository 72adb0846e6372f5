import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";

export type BusConnectionOptions = {
  servers: string | string[];
  /** The agency (or `admin`) whose identity this connection uses. */
  agency: string;
  seedFile: string;
  name?: string;
  /** Keep trying until the first connection succeeds (services); false to fail fast. */
  waitOnFirstConnect?: boolean;
  /**
   * TLS: the CAs the servers' certificates must be of, and this identity's client certificate
   * (a county's cluster takes mutual TLS only). The files are read again at every reconnect,
   * so that certificates rotated on disk are used without a restart.
   */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
};

/**
 * `connectBus`'s `tls` from an environment's LIANDONG_NATS_CA, _CERT and _KEY (ServiceEnv; the
 * compose one-shots): none without a CA.
 */
export function busTls(env: {
  LIANDONG_NATS_CA?: string | undefined;
  LIANDONG_NATS_CERT?: string | undefined;
  LIANDONG_NATS_KEY?: string | undefined;
}): Pick<BusConnectionOptions, "tls"> {
  if (!env.LIANDONG_NATS_CA) return {};
  return {
    tls: {
      caFile: env.LIANDONG_NATS_CA,
      ...(env.LIANDONG_NATS_CERT ? { certFile: env.LIANDONG_NATS_CERT } : {}),
      ...(env.LIANDONG_NATS_KEY ? { keyFile: env.LIANDONG_NATS_KEY } : {}),
    },
  };
}

/** Private reply subjects per agency, so that no other identity may read our replies. */
export const inboxPrefixOf = (agency: string) => `_INBOX_${agency}`;

export async function connectBus(opts: BusConnectionOptions): Promise<NatsConnection> {
  const seed = new TextEncoder().encode(readFileSync(opts.seedFile, "utf8").trim());
  return connect({
    servers: typeof opts.servers === "string" ? opts.servers.split(",") : opts.servers,
    name: opts.name ?? `liandong-${opts.agency}`,
    authenticator: nkeyAuthenticator(seed),
    inboxPrefix: inboxPrefixOf(opts.agency),
    // Building async stack traces costs about half of every publish (DESIGN.md).
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? true,
    pingInterval: 10_000,
    ...(opts.tls ? { tls: { ...opts.tls } } : {}),
  });
}

/**
 * The identity's secret for keying its message ids (`PublisherOptions.idKey`), derived from its
 * seed: the same after a restart, so that a resend is still recognised as one.
 */
export function messageIdKey(seedFile: string): Uint8Array {
  return createHash("sha256")
    .update("liandong message ids\n")
    .update(readFileSync(seedFile, "utf8").trim())
    .digest();
}
