import { randomBytes } from "node:crypto";
import {
  type AgencyCode,
  agencyBucket,
  CountyConfig,
  crossBorderInboxSubjects,
  EVENTS_ROOT,
  inboxSubjects,
  type Officer,
  roleActor,
  STREAMS,
} from "@liandong/contracts";
import { createUser } from "@nats-io/nkeys";
import type { Hono } from "hono";
import type { z } from "zod";
import { type Clock, systemClock } from "../clock.ts";
import { createHttpApp, type HttpEnv } from "../http.ts";
import { createLogger } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import { bearerToken, Officers, tokenSha256 } from "../officers.ts";
import { sealKeysOf } from "../seal.ts";
import { mountWhoAmI, type ServiceContext, type ServiceParts } from "../service.ts";
import { ServiceEnv } from "../service-env.ts";
import { signerFromSeed } from "../signing.ts";
import { DEDUP_WINDOW_MS } from "../streams.ts";
import { memoryKeyring } from "../vault.ts";
import { MemoryBucket } from "./memory-bucket.ts";
import { MemoryBus } from "./memory-bus.ts";
import { MemoryPublisher } from "./memory-publisher.ts";
import { MemoryStreams } from "./memory-streams.ts";

/** How a service is built from its context: what its `main.ts` hands to `main`. */
export type ServiceBuild = (ctx: ServiceContext) => Promise<ServiceParts> | ServiceParts;

export type MemoryCountyOptions = {
  /** The county's configuration as its file gives it (defaults filled in as at boot). */
  config: z.input<typeof CountyConfig>;
  /** The services to run, by agency code (the office's is `office`). */
  services: Readonly<Record<string, ServiceBuild>>;
  /** Every service's clock (the system's unless given): a test may move it. */
  clock?: Clock;
  /** For the services' one logger; `silent` unless given. */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
};

/** An HTTP answer, its body parsed when it is JSON. */
export type MemoryReply<T = Record<string, unknown>> = { status: number; type: string; body: T };

/** An officer's client of one service, in-process (`app.request`), with the officer's token. */
export type MemoryApi = {
  token: string;
  get<T = Record<string, unknown>>(path: string): Promise<MemoryReply<T>>;
  post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<MemoryReply<T>>;
  request(path: string, init?: RequestInit): Promise<Response>;
};

export type MemoryCounty = {
  config: CountyConfig;
  streams: MemoryStreams;
  /** The configured role tokens (each service follows the register of named officers besides). */
  officers: readonly Officer[];
  /** A running service's HTTP app. */
  app(agency: string): Hono<HttpEnv>;
  /** An officer's client: `<agency>.liaison`, `.supervisor` or `.deputy`. */
  as(agency: string, role?: "liaison" | "supervisor" | "deputy"): MemoryApi;
  /** A client of one service with any bearer token (a named officer's, a revoked one). */
  withToken(agency: string, token: string): MemoryApi;
  bucket(agency: string): MemoryBucket;
  /** Until every consumer and follower has handled everything published so far, and what that published. */
  settle(timeoutMs?: number): Promise<void>;
  /**
   * A publisher holding an agency's own key (its seals verify): what that agency's code, or
   * anyone who has its seed, could publish. Without the key an event is not the agency's.
   */
  publisher(agency: string): MemoryPublisher;
  /** Stops a service and builds it again over the same streams and bucket (a restart). */
  restart(agency: string): Promise<void>;
  stop(): Promise<void>;
};

/** As the county launcher issues them: a liaison officer and two supervisors per agency. */
const ROLES = [
  { role: "liaison", label: "联络员", supervisor: false },
  { role: "supervisor", label: "分管领导", supervisor: true },
  { role: "deputy", label: "副职领导", supervisor: true },
] as const;

/**
 * A county in one process, without nats-server: its streams as `provisionCounty` sets them up
 * (EVENTS, the dead letters, each agency's inbox sourcing what is addressed to it), each agency's
 * bucket, and the services given, each built from a `ServiceContext` over ports in memory exactly
 * as `runService` builds it over NATS, and started. Not here: the audit sealer (checkpoints), the
 * probes and metrics routes, the links to neighbouring counties, stream limits.
 */
export async function memoryCounty(opts: MemoryCountyOptions): Promise<MemoryCounty> {
  const parsed = CountyConfig.parse(opts.config);
  // Each agency's own key, as its seed would give it: its events are sealed with it, and every
  // reader checks their seals with the public keys, as over NATS.
  const signers = new Map(
    parsed.agencies.map((a) => [
      a.code,
      signerFromSeed(new TextDecoder().decode(createUser().getSeed())),
    ]),
  );
  const config: CountyConfig = {
    ...parsed,
    auditKeys: {
      ...Object.fromEntries([...signers].map(([a, s]) => [a, s.publicKey])),
      ...parsed.auditKeys,
    },
  };
  const seals = sealKeysOf(config);
  const clock = opts.clock ?? systemClock;
  const logLevel = opts.logLevel ?? "silent";
  const codes = config.agencies.map((a) => a.code);
  for (const name of Object.keys(opts.services))
    if (!codes.includes(name)) throw new Error(`${name} is not an agency of the county`);

  const streams = new MemoryStreams();
  provisionInMemory(streams, {
    county: config.county,
    agencies: codes,
    crossBorder: config.region.neighbours.length > 0,
  });
  const buckets = new Map(codes.map((a) => [a, new MemoryBucket(agencyBucket(a))]));
  // Each agency's secret for its message ids, kept across its restarts as its seed would be.
  const idKeys = new Map(codes.map((a) => [a, randomBytes(32)]));
  // Each agency's vault keys, kept across its restarts as its key file would be.
  const vaults = new Map(codes.map((a) => [a, memoryKeyring()]));
  const tokens = new Map<string, string>();
  const configured: Officer[] = config.agencies.flatMap((a) =>
    ROLES.map(({ role, label, supervisor }) => {
      const token = bearerToken();
      tokens.set(roleActor(a.code, role), token);
      return {
        id: roleActor(a.code, role),
        agency: a.code,
        name: `${a.shortName}${label}`,
        tokenSha256: tokenSha256(token),
        supervisor,
      };
    }),
  );

  type Running = {
    app: Hono<HttpEnv>;
    parts: ServiceParts;
    publisher: MemoryPublisher;
    register: { stop(): Promise<void> };
  };
  const running = new Map<string, Running>();
  const boot = async (agency: AgencyCode): Promise<Running> => {
    const build = opts.services[agency]!;
    const logger = createLogger(agency, logLevel);
    const metrics = createMetrics(agency);
    const officers = new Officers(configured, clock);
    const publisher = new MemoryPublisher(streams, {
      county: config.county,
      agency,
      clock,
      idKey: idKeys.get(agency)!,
      signer: signers.get(agency)!,
      metrics,
      names: (actor) => officers.nameOf(actor),
    });
    const app = createHttpApp({ logger, metrics, maxBodyBytes: config.maxBodyBytes });
    const bus = new MemoryBus(streams, { agency, publisher, logger, metrics, seals });
    const register = await officers.follow(bus, {
      county: config.county,
      namePrefix: `${agency}_officers`,
      seals,
      logger,
    });
    mountWhoAmI(app, officers, agency, config.county);
    const parts = await build({
      agency,
      county: config.county,
      config,
      officers,
      bus,
      kv: buckets.get(agency)!,
      publisher,
      app,
      logger,
      metrics,
      clock,
      env: inMemoryEnv(agency, logLevel),
      signer: signers.get(agency)!,
      vault: vaults.get(agency)!,
    });
    await parts.start();
    return { app, parts, publisher, register };
  };
  const shut = async (agency: string) => {
    const r = running.get(agency);
    if (!r) return;
    running.delete(agency);
    await r.parts.stop();
    await r.register.stop();
    await r.publisher.close();
  };
  for (const agency of Object.keys(opts.services)) running.set(agency, await boot(agency));

  const serviceOf = (agency: string) => {
    const r = running.get(agency);
    if (!r) throw new Error(`${agency} is not running`);
    return r;
  };
  return {
    config,
    streams,
    officers: configured,
    app: (agency) => serviceOf(agency).app,
    as(agency, role = "liaison") {
      const token = tokens.get(roleActor(agency, role));
      if (!token) throw new Error(`no ${role} of ${agency}`);
      return officerClient(() => serviceOf(agency).app, token);
    },
    withToken: (agency, token) => officerClient(() => serviceOf(agency).app, token),
    bucket(agency) {
      const b = buckets.get(agency);
      if (!b) throw new Error(`${agency} is not an agency of the county`);
      return b;
    },
    settle: (timeoutMs) => streams.settle(timeoutMs),
    publisher(agency) {
      const signer = signers.get(agency);
      if (!signer) throw new Error(`${agency} is not an agency of the county`);
      return new MemoryPublisher(streams, {
        county: config.county,
        agency,
        clock,
        idKey: idKeys.get(agency)!,
        signer,
      });
    },
    async restart(agency) {
      serviceOf(agency);
      await shut(agency);
      running.set(agency, await boot(agency));
    },
    async stop() {
      for (const agency of [...running.keys()]) await shut(agency);
    },
  };
}

/** The streams `provisionCounty` creates, in memory: who gets which subjects. */
function provisionInMemory(
  streams: MemoryStreams,
  opts: { county: string; agencies: readonly string[]; crossBorder: boolean },
): void {
  streams.addStream({
    name: STREAMS.events,
    subjects: [`${EVENTS_ROOT}.>`],
    duplicateWindowMs: DEDUP_WINDOW_MS,
  });
  streams.addStream({
    name: STREAMS.deadLetters,
    subjects: ["ld.dlq.>"],
    duplicateWindowMs: DEDUP_WINDOW_MS,
  });
  for (const agency of opts.agencies) {
    streams.addStream({
      name: STREAMS.inbox(agency),
      sources: [
        {
          stream: STREAMS.events,
          filterSubjects: opts.crossBorder
            ? [inboxSubjects(agency), crossBorderInboxSubjects(opts.county, agency)]
            : [inboxSubjects(agency)],
        },
      ],
    });
  }
}

/** The environment a service would boot with; here there is no connection and no file to name. */
function inMemoryEnv(agency: string, logLevel: string): ServiceEnv {
  return ServiceEnv.parse({
    LIANDONG_AGENCY: agency,
    LIANDONG_NATS_URL: "memory:",
    LIANDONG_NATS_SEED_FILE: "memory:",
    LIANDONG_HTTP_PORT: "0",
    LIANDONG_CONFIG: "memory:",
    LIANDONG_OFFICERS: "memory:",
    LIANDONG_LOG_LEVEL: logLevel,
  });
}

function officerClient(app: () => Hono<HttpEnv>, token: string): MemoryApi {
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    return app().request(path, { ...init, headers });
  };
  const reply = async <T>(res: Response): Promise<MemoryReply<T>> => {
    const type = res.headers.get("content-type") ?? "";
    const text = await res.text();
    return {
      status: res.status,
      type,
      body: (type.includes("json") && text ? JSON.parse(text) : { text }) as T,
    };
  };
  return {
    token,
    request,
    get: async (path) => reply(await request(path)),
    post: async (path, body, headers = {}) =>
      reply(
        await request(path, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json", ...headers },
        }),
      ),
  };
}
