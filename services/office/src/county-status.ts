import type { CountyServiceStatus as ServiceStatus } from "@liandong/contracts";
import { type HttpAnswer, httpCall, type ServiceContext } from "@liandong/runtime";

/** What a service's `/readyz` answered; `undefined` when it could not be reached. */
export type Probe =
  | { ready: boolean; since?: string; startedAt?: string; restarts?: number }
  | undefined;

type Seen = ServiceStatus & { startedAt?: string; observedRestarts: number };

/**
 * Pure: the next status of a service from the last one and a probe. A service that answers
 * says since when it has been ready and how often its launcher restarted it; under
 * docker-compose (which restarts it unsaid) a new `startedAt` counts as a restart.
 */
export function observe(prev: Seen | undefined, service: string, probe: Probe, now: string): Seen {
  if (!probe) {
    const wasDown = prev !== undefined && !prev.ready;
    return {
      service,
      ready: false,
      since: wasDown ? prev.since : now,
      restarts: prev?.restarts ?? 0,
      observedRestarts: prev?.observedRestarts ?? 0,
      ...(prev?.startedAt ? { startedAt: prev.startedAt } : {}),
      reason: "unreachable",
    };
  }
  const restartedUnsaid =
    prev?.startedAt !== undefined &&
    probe.startedAt !== undefined &&
    probe.startedAt !== prev.startedAt;
  const observedRestarts = (prev?.observedRestarts ?? 0) + (restartedUnsaid ? 1 : 0);
  const since =
    probe.since ?? (prev !== undefined && prev.ready === probe.ready ? prev.since : now);
  return {
    service,
    ready: probe.ready,
    since,
    restarts: Math.max(probe.restarts ?? 0, observedRestarts),
    observedRestarts,
    ...(probe.startedAt ? { startedAt: probe.startedAt } : {}),
  };
}

/** The public face of a status (what the office's `/readyz` and its page show). */
const shown = ({ startedAt: _, observedRestarts: __, ...s }: Seen): ServiceStatus => s;

/**
 * The office asks every other service of the county whether it is ready, every few seconds
 * (`/readyz` at its probe URL, else its public URL): the same under the county launcher and
 * docker-compose. `self` is the office's own readiness, `selfRestarts` its launcher's count.
 */
export function countyWatch(
  ctx: Pick<ServiceContext, "agency" | "config" | "env" | "clock" | "logger">,
  self: () => boolean,
  opts: { everyMs?: number; get?: (url: string, timeoutMs: number) => Promise<HttpAnswer> } = {},
) {
  // node:http, not fetch: fetch's undici would stay in the office's memory (httpCall).
  const get = opts.get ?? ((url: string, timeoutMs: number) => httpCall(url, { timeoutMs }));
  const urls = { ...ctx.env.LIANDONG_SERVICE_URLS, ...ctx.env.LIANDONG_PROBE_URLS };
  const others = ctx.config.agencies.map((a) => a.code).filter((a) => a !== ctx.agency);
  const seen = new Map<string, Seen>();
  const startedAt = ctx.clock().toISOString();
  let selfSeen: Seen | undefined;
  let timer: NodeJS.Timeout | undefined;

  const probe = async (url: string | undefined): Promise<Probe> => {
    if (!url) return undefined;
    try {
      const res = await get(`${url}/readyz`, 2000);
      const body = JSON.parse(res.text) as {
        since?: unknown;
        startedAt?: unknown;
        restarts?: unknown;
      };
      return {
        ready: res.status === 200,
        ...(typeof body.since === "string" ? { since: body.since } : {}),
        ...(typeof body.startedAt === "string" ? { startedAt: body.startedAt } : {}),
        ...(typeof body.restarts === "number" ? { restarts: body.restarts } : {}),
      };
    } catch {
      return undefined;
    }
  };
  const look = async () => {
    const probes = await Promise.all(others.map((a) => probe(urls[a])));
    const now = ctx.clock().toISOString();
    others.forEach((a, i) => {
      const next = observe(seen.get(a), a, probes[i], now);
      const before = seen.get(a);
      if (before && before.ready !== next.ready)
        ctx.logger.info(
          { service: a, ready: next.ready, restarts: next.restarts },
          "county service",
        );
      seen.set(a, next);
    });
  };
  return {
    start() {
      if (timer) return;
      void look();
      timer = setInterval(() => void look(), opts.everyMs ?? 3000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** Every service of the county, the office first. */
    status(): ServiceStatus[] {
      selfSeen = observe(
        selfSeen,
        ctx.agency,
        { ready: self(), startedAt, restarts: ctx.env.LIANDONG_RESTARTS },
        ctx.clock().toISOString(),
      );
      return [
        shown(selfSeen),
        ...others.map((a) => {
          const s = seen.get(a);
          return s
            ? shown(s)
            : {
                service: a,
                ready: false,
                since: startedAt,
                restarts: 0,
                reason: "not-asked" as const,
              };
        }),
      ];
    },
    look,
  };
}
