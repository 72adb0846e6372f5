import { Agent, type Dispatcher, EventSource } from "undici";
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
 * An agency's live referral feed (`GET /referrals/feed`, server-sent events) read with undici's
 * EventSource, as a page would; the officer's bearer token added to every request it makes.
 */
export function referralFeed(baseUrl: string, token: string, query = ""): ReferralFeed {
  const agent = new Agent();
  const dispatcher: Dispatcher = agent.compose(
    (dispatch) => (opts, handler) =>
      dispatch(
        {
          ...opts,
          headers: {
            ...(opts.headers as Record<string, string> | undefined),
            authorization: `Bearer ${token}`,
          },
        },
        handler,
      ),
  );
  const source = new EventSource(`${baseUrl}/referrals/feed${query}`, { dispatcher });
  const received: { at: number; referral: FedReferral }[] = [];
  const waiters = new Set<() => void>();
  source.addEventListener("referral", (ev) => {
    received.push({ at: performance.now(), referral: JSON.parse((ev as MessageEvent).data) });
    for (const w of waiters) w();
  });
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) reject(new Error("referral feed refused"));
    };
  });
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
      source.close();
      await agent.close();
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
