import type { NatsConnection } from "@nats-io/transport-node";

/**
 * Waits for the connection to report a permissions violation (the server's async -ERR). The
 * server drops a refused publish and says so on the connection only: a request would merely
 * time out, so a test waits for this, on a connection of its own.
 */
export function violation(nc: NatsConnection): Promise<string> {
  return new Promise((resolve) => {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "error" && /permissions violation/i.test(String(s.error)))
          return resolve(String(s.error));
      }
    })();
  });
}
