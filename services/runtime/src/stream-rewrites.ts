import { STREAM_REWRITE_APIS, type StreamRewriteApi } from "@liandong/contracts";
import type { NatsConnection } from "@nats-io/transport-node";

/** One rewrite of a stream that nats-server executed, as its API audit advisory tells it. */
export type StreamRewrite = {
  api: StreamRewriteApi;
  stream: string;
  /** The caller's nkey (the server's `client.user` for an nkey user). */
  key: string;
  server: string;
  request: string;
};

/** nats-server's audit advisory of each JetStream API call it executes, with its caller. */
export const API_AUDIT_ADVISORY = "$JS.EVENT.ADVISORY.API";

const REWRITE = new RegExp(
  `^\\$JS\\.(?:[^.]+\\.)?API\\.(${STREAM_REWRITE_APIS.map((a) => a.replace(".", "\\.")).join("|")})\\.([^.]+)$`,
);

/** The rewrite an audit advisory tells of, if it tells of one that was carried out. */
export function rewriteOf(advisory: unknown): StreamRewrite | undefined {
  const a = advisory as {
    server?: unknown;
    client?: { user?: unknown; nkey?: unknown };
    subject?: unknown;
    request?: unknown;
    response?: unknown;
  };
  if (typeof a?.subject !== "string") return undefined;
  const m = REWRITE.exec(a.subject);
  if (!m) return undefined;
  // Refused by the stream (deny_delete, deny_purge, a bad configuration): nothing rewritten.
  try {
    if ((JSON.parse(String(a.response ?? "{}")) as { error?: unknown }).error !== undefined)
      return undefined;
  } catch {
    return undefined;
  }
  return {
    api: m[1] as StreamRewriteApi,
    stream: m[2]!,
    key: String(a.client?.user ?? a.client?.nkey ?? ""),
    server: String(a.server ?? ""),
    request: String(a.request ?? "").slice(0, 2000),
  };
}

/**
 * Each rewrite of a stream nats-server carries out, while this connection listens (the
 * server sends its audit advisories only to whoever listens at that moment).
 */
export function watchStreamRewrites(
  nc: NatsConnection,
  onRewrite: (r: StreamRewrite) => void,
): { stop(): void } {
  const sub = nc.subscribe(API_AUDIT_ADVISORY, {
    callback: (err, m) => {
      if (err) return;
      let advisory: unknown;
      try {
        advisory = m.json();
      } catch {
        return;
      }
      const r = rewriteOf(advisory);
      if (r) onRewrite(r);
    },
  });
  return { stop: () => sub.unsubscribe() };
}
