import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** How often the event loop's lag is sampled (ms). */
export const LAG_SAMPLE_MS = 100;

/** One registry per service (several services may share a process in tests). */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The process's own: memory, CPU, event-loop lag (`nodejs_eventloop_lag_*`), handles, GC.
  // The lag is sampled every 100 ms, not every 10 (prom-client's default): a timer that woke
  // every service 100 times a second at rest, most of a county's idle CPU (bench --only county).
  // A stall of 100 ms or more is still always seen; a shorter one, in proportion to its length.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
  /** Each consumer's count, asked of the server when the metrics are read. */
  const pendingOf = new Map<string, () => Promise<number>>();
  return {
    registry,
    /** Where a consumer's pending count comes from (`consumerPending`), by consumer name. */
    pendingOf,
    consumerPending: new Gauge({
      name: "liandong_consumer_pending",
      help: "Messages of a consumer's stream not yet handled (waiting, or delivered and not yet acknowledged)",
      labelNames: ["consumer"],
      registers: [registry],
      async collect() {
        await Promise.all(
          [...pendingOf].map(async ([consumer, count]) => {
            try {
              this.set({ consumer }, await count());
            } catch {
              // The bus is away: the count is not known now (the last one stands).
            }
          }),
        );
      },
    }),
    /** The office: referrals past a deadline (acceptance or feedback) and not yet answered. */
    overdueReferrals: new Gauge({
      name: "liandong_overdue_referrals",
      help: "Referrals past their acceptance or feedback deadline (the office)",
      registers: [registry],
    }),
    published: new Counter({
      name: "liandong_events_published_total",
      help: "Events published",
      labelNames: ["type"],
      registers: [registry],
    }),
    publishRetries: new Counter({
      name: "liandong_publish_retries_total",
      help: "Publishes sent again with the same message id",
      registers: [registry],
    }),
    consumed: new Counter({
      name: "liandong_events_consumed_total",
      help: "Events consumed, by outcome",
      labelNames: ["consumer", "outcome"],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "liandong_dead_letters_total",
      help: "Messages dead-lettered, by reason",
      labelNames: ["consumer", "reason"],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "liandong_http_requests_total",
      help: "HTTP requests",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "liandong_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    feedClients: new Gauge({
      name: "liandong_feed_clients",
      help: "Clients connected to a live feed (server-sent events)",
      registers: [registry],
    }),
    busConnected: new Gauge({
      name: "liandong_bus_connected",
      help: "1 while connected to NATS",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
