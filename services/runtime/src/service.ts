import { readFileSync } from "node:fs";
import {
  agencyBucket,
  CountyConfig,
  Officer,
  type OfficerSelf,
  PublicKeysFile,
} from "@liandong/contracts";
import { Kvm } from "@nats-io/kv";
import type { Hono } from "hono";
import { z } from "zod";
import { ackedPuts } from "./acked-puts.ts";
import { type Clock, fileClock, systemClock } from "./clock.ts";
import { type ComparisonPort, comparisonPort } from "./comparison-client.ts";
import { busTls, connectBus, messageIdKey } from "./connect.ts";
import { createHttpApp, type HttpEnv, type HttpServer, listen, officerAuth } from "./http.ts";
import { retryingPuts } from "./kv-retry.ts";
import { watchLifeline } from "./lifeline.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { natsBus } from "./nats-bus.ts";
import { Officers } from "./officers.ts";
import type { Bucket, Bus, Publisher } from "./ports.ts";
import { EventPublisher } from "./publisher.ts";
import { sealKeysOf } from "./seal.ts";
import { AuditSealer } from "./sealer.ts";
import { ServiceEnv } from "./service-env.ts";
import { type Signer, signerFromSeed } from "./signing.ts";
import { fileKeyring, type VaultKeyring } from "./vault.ts";

/**
 * What a service's wiring receives: everything plumbing, nothing of business. The bus comes as
 * ports (NATS in production, `memoryCounty` in tests), never as the connection itself.
 */
export type ServiceContext = {
  agency: string;
  county: string;
  config: CountyConfig;
  /** The configured role tokens and the county's register of named officers, as it stands now. */
  officers: Officers;
  bus: Bus;
  kv: Bucket;
  publisher: Publisher;
  app: Hono<HttpEnv>;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  env: ServiceEnv;
  /** The agency's own key (its NATS identity's): what it seals and signs with. */
  signer: Signer;
  /** The agency's vault keys (`LIANDONG_VAULT_KEY_FILE`), where it was given them. */
  vault?: VaultKeyring | undefined;
  /** 数据比对: the agency's side of the comparison service (on the bus only). */
  comparison?: ComparisonPort | undefined;
};

/** What a service hands back: its consumers' lifecycle and readiness. */
export type ServiceParts = {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** More for its `/readyz` to say (the office: how the county's services stand). */
  readyzExtra?(): Record<string, unknown>;
};

export type RunningService = { url: string; port: number; logger: Logger; stop(): Promise<void> };

function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string): z.infer<S> {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`${what} (${path}): ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The configuration with the public keys a `public-keys.json` names (the configuration's own first). */
export function withPublicKeys(config: CountyConfig, file: string | undefined): CountyConfig {
  if (!file) return config;
  const keys = readJsonFile(file, PublicKeysFile, "public keys");
  if (keys.county !== config.county)
    throw new Error(`公钥文件 ${file} 属于县 ${keys.county}，不是 ${config.county}`);
  return {
    ...config,
    auditKeys: { ...keys.agencies, ...config.auditKeys },
    region: { ...config.region, keys: { ...keys.neighbourKeys, ...config.region.keys } },
  };
}

/**
 * The comparison service's public key as configured: `LIANDONG_MATCH_PUBLIC_KEY`, else the one
 * `public-keys.json` names. None: the key the service gives is trusted on first use.
 */
export function pinnedComparisonKey(env: ServiceEnv): Uint8Array | undefined {
  const hex =
    env.LIANDONG_MATCH_PUBLIC_KEY ??
    (env.LIANDONG_PUBLIC_KEYS
      ? readJsonFile(env.LIANDONG_PUBLIC_KEYS, PublicKeysFile, "public keys").comparisonOprfKey
      : undefined);
  return hex ? Buffer.from(hex, "hex") : undefined;
}

/** Reads and validates the environment; a bad one stops the process with every problem named. */
export function loadEnv(env: NodeJS.ProcessEnv): ServiceEnv {
  const parsed = ServiceEnv.safeParse(env);
  if (!parsed.success) throw new Error(`环境变量有误:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Who am I: the web page asks each service it talks to, with the officer's own token. */
export function mountWhoAmI(
  app: Hono<HttpEnv>,
  officers: Officers,
  agency: string,
  county: string,
): void {
  app.get("/me", officerAuth(officers, agency), (c) => {
    const o = c.get("officer");
    const me: OfficerSelf = {
      id: o.id,
      agency: o.agency,
      name: o.name,
      supervisor: o.supervisor,
      county,
      ...(o.role ? { role: o.role } : {}),
    };
    return c.json(me);
  });
}

/**
 * Boots a service: validated environment and configuration, bus connection, publisher,
 * HTTP with /healthz, /readyz and /metrics, then the service's own parts. `stop()` closes
 * HTTP, stops consumers and drains the connection.
 */
export async function runService(
  env: ServiceEnv,
  build: (ctx: ServiceContext) => Promise<ServiceParts> | ServiceParts,
  opts: { clock?: Clock } = {},
): Promise<RunningService> {
  const agency = env.LIANDONG_AGENCY;
  const logger = createLogger(agency, env.LIANDONG_LOG_LEVEL);
  const config = withPublicKeys(
    readJsonFile(env.LIANDONG_CONFIG, CountyConfig, "county configuration"),
    env.LIANDONG_PUBLIC_KEYS,
  );
  const metrics = createMetrics(agency);
  const clock =
    opts.clock ?? (env.LIANDONG_CLOCK_FILE ? fileClock(env.LIANDONG_CLOCK_FILE) : systemClock);
  const officers = new Officers(
    readJsonFile(env.LIANDONG_OFFICERS, z.array(Officer), "officers"),
    clock,
  );
  const nc = await connectBus({
    servers: env.LIANDONG_NATS_URL,
    agency,
    seedFile: env.LIANDONG_NATS_SEED_FILE,
    ...busTls(env),
  });
  metrics.busConnected.set(1);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") metrics.busConnected.set(0);
      if (s.type === "reconnect") metrics.busConnected.set(1);
      if (s.type === "disconnect" || s.type === "reconnect")
        logger.info({ status: s.type }, "bus connection");
    }
  })();
  const kv = retryingPuts(ackedPuts(await new Kvm(nc).open(agencyBucket(agency)), nc, agency));
  // The agency's own key: it seals every event as it is published, and signs the checkpoints.
  const signer = signerFromSeed(readFileSync(env.LIANDONG_NATS_SEED_FILE, "utf8"));
  const publisher = new EventPublisher(nc, {
    county: config.county,
    agency,
    clock,
    metrics,
    idKey: messageIdKey(env.LIANDONG_NATS_SEED_FILE),
    signer,
    names: (actor) => officers.nameOf(actor),
    logger,
  });
  const app = createHttpApp({
    logger,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    webOrigins:
      env.LIANDONG_WEB_ORIGINS?.split(",")
        .map((o) => o.trim())
        .filter(Boolean) ?? [],
  });

  // Every service chains and seals what its agency publishes, signed with the agency's own key.
  const sealer = new AuditSealer({
    nc,
    kv,
    county: config.county,
    agency,
    publisher,
    signer,
    logger,
    clock,
  });

  let parts: ServiceParts | undefined;
  const connected = () => !nc.isClosed() && nc.info !== undefined;
  mountServiceRoutes(app, {
    agency,
    county: config.county,
    officers,
    metrics,
    readiness: () => ({
      bus: connected(),
      consumers: parts?.ready() ?? false,
      sealer: sealer.ready,
    }),
    restarts: env.LIANDONG_RESTARTS,
    extra: () => parts?.readyzExtra?.() ?? {},
    clock,
  });

  const seals = sealKeysOf(config);
  const bus = natsBus({ nc, agency, publisher, logger, metrics, seals });
  // The register is read before anything is served: a token revoked before this start is refused.
  const register = await officers.follow(bus, {
    county: config.county,
    namePrefix: `${agency}_officers`,
    seals,
    logger,
  });
  parts = await build({
    agency,
    county: config.county,
    config,
    officers,
    bus,
    kv,
    publisher,
    app,
    logger,
    metrics,
    clock,
    env,
    signer,
    vault: env.LIANDONG_VAULT_KEY_FILE ? fileKeyring(env.LIANDONG_VAULT_KEY_FILE) : undefined,
    comparison: comparisonPort(nc, {
      county: config.county,
      agency,
      tagKey: env.LIANDONG_MATCH_TAG_KEY_FILE
        ? Buffer.from(readFileSync(env.LIANDONG_MATCH_TAG_KEY_FILE, "utf8").trim(), "hex")
        : undefined,
      publicKey: pinnedComparisonKey(env),
    }),
  });
  await parts.start();
  await sealer.start();
  const http: HttpServer = await listen(app, env.LIANDONG_HTTP_HOST, env.LIANDONG_HTTP_PORT);
  logger.info({ url: http.url }, "service started");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping");
      await http.close();
      await parts.stop();
      await register.stop();
      await sealer.stop();
      await publisher.close();
      await nc.drain();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { url: http.url, port: http.port, logger, stop };
}

/**
 * What every service answers besides its own routes: who a token belongs to (the web page asks
 * each service it talks to), liveness, readiness and metrics.
 */
export function mountServiceRoutes(
  app: Hono<HttpEnv>,
  deps: {
    agency: string;
    county: string;
    officers: Officers;
    metrics: Metrics;
    readiness: () => Record<string, boolean>;
    /** How often its launcher has started it again after a crash (`LIANDONG_RESTARTS`). */
    restarts?: number;
    extra?: () => Record<string, unknown>;
    clock?: Clock;
  },
): void {
  const { agency, metrics } = deps;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock().toISOString();
  // Since when it has been ready, or not: as last seen by a probe (readiness is asked, not pushed).
  let seen = { ok: false, since: startedAt };
  mountWhoAmI(app, deps.officers, agency, deps.county);
  app.get("/healthz", (c) => c.json({ status: "ok", service: agency, checks: { process: true } }));
  app.get("/readyz", (c) => {
    const checks = deps.readiness();
    const ok = Object.values(checks).every(Boolean);
    if (ok !== seen.ok) seen = { ok, since: clock().toISOString() };
    return c.json(
      {
        status: ok ? "ok" : "unavailable",
        service: agency,
        checks,
        since: seen.since,
        startedAt,
        restarts: deps.restarts ?? 0,
        ...deps.extra?.(),
      },
      ok ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) =>
    c.text(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }),
  );
}

/**
 * For a service's `main.ts`: run until SIGINT/SIGTERM, or until the launcher that started it is
 * gone (its lifeline), then shut down gracefully.
 */
export async function main(
  build: Parameters<typeof runService>[1],
  agency?: string,
): Promise<void> {
  const env = loadEnv(agency ? { ...process.env, LIANDONG_AGENCY: agency } : process.env);
  let service: RunningService | undefined;
  // Watched from the start: a launcher killed while this service still connects leaves no orphan.
  watchLifeline(env.LIANDONG_LIFELINE_FD, () => {
    if (!service) process.exit(1);
    // Its bus may be going too: a drain that cannot finish does not keep it running.
    setTimeout(() => process.exit(1), 10_000).unref();
    service.logger.warn("launcher gone: stopping");
    stop();
  });
  const running = await runService(env, build);
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (err) => {
        running.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  service = running;
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
