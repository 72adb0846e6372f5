import { createParser } from "eventsource-parser";
import { type Dispatcher, request } from "undici";
import type { Api } from "./county.ts";

/** A referral as the live feed pushes it (the fields the tests and the benchmark read). */
export type FedReferral = { referralId: string; status: string; from: string; to: string };

export type ReferralFeed = {
  /** Settles once the service has answered: changes from then on arrive. */
  opened: Promise<void>;
  /** Every change received so far, with the time (performance.now()) it arrived. */
  received: { at: number; referral: FedReferral }[];
  /** The first change (received already or to come) that `match` accepts. */
  next(
    match: (r: FedReferral) => boolean,
    timeoutMs?: number,
  ): Promise<{ at: number; referral: FedReferral }>;
  close(): Promise<void>;
};

/**
 * An agency's live referral feed (`GET /referrals/feed`, server-sent events) read as the
 * officer's page reads it: one request with the officer's bearer token, its stream parsed by
 * eventsource-parser. A change's time is taken as its bytes arrive.
 */
export function referralFeed(baseUrl: string, token: string, query = ""): ReferralFeed {
  const abort = new AbortController();
  const received: { at: number; referral: FedReferral }[] = [];
  const waiters = new Set<() => void>();
  const parser = createParser({
    onEvent(ev) {
      if (ev.event !== "referral") return;
      received.push({ at: performance.now(), referral: JSON.parse(ev.data) });
      for (const w of waiters) w();
    },
  });
  let body: Dispatcher.ResponseData["body"] | undefined;
  const opened = (async () => {
    const res = await request(`${baseUrl}/referrals/feed${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: abort.signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`referral feed refused (${res.statusCode})`);
    }
    body = res.body;
    const text = new TextDecoder();
    body.on("data", (chunk: Buffer) => parser.feed(text.decode(chunk, { stream: true })));
    // Ends with `close` (aborted) or when the service closes it.
    body.on("error", () => undefined);
  })();
  return {
    opened,
    received,
    next(match, timeoutMs = 10_000) {
      const found = () => received.find((e) => match(e.referral));
      const now = found();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const check = () => {
          const e = found();
          if (!e) return;
          done();
          resolve(e);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching referral on the feed within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async close() {
      abort.abort();
      body?.destroy();
      await opened.catch(() => undefined);
    },
  };
}

/** How many live-feed clients an agency's service holds now (its `liandong_feed_clients` gauge). */
export async function feedClients(service: Api): Promise<number> {
  const m = await service.raw("/metrics", { method: "GET" });
  const value = /^liandong_feed_clients\{[^}]*\} (\d+)$/m.exec(String(m.body.text))?.[1];
  if (value === undefined) throw new Error("no liandong_feed_clients gauge in /metrics");
  return Number(value);
}
