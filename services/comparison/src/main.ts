// Composition root of the comparison service (数据比对): wiring only.
import { readFileSync, renameSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { COMPARISON, COMPARISON_BUCKET, CountyConfig } from "@liandong/contracts";
import {
  busTls,
  connectBus,
  createLogger,
  EventPublisher,
  messageIdKey,
  oprfReady,
  retryingPuts,
  signerFromSeed,
  watchLifeline,
} from "@liandong/runtime";
import { Kvm } from "@nats-io/kv";
import { z } from "zod";
import { FactsKeep } from "./keep.ts";
import { ensureOprfKey } from "./key-file.ts";
import { startComparison } from "./service.ts";

const Env = z.object({
  /** The county's code; unset, the one of LIANDONG_CONFIG (docker-compose.yml mounts the file). */
  LIANDONG_COUNTY: z
    .string()
    .regex(/^\d{6}$/)
    .optional(),
  LIANDONG_CONFIG: z.string().min(1).optional(),
  LIANDONG_NATS_URL: z.string().min(1),
  /** The service's own NATS identity (`comparison.nk`). */
  LIANDONG_NATS_SEED_FILE: z.string().min(1),
  /** A clustered county's bus takes mutual TLS only: its CA, and this service's certificate and key. */
  LIANDONG_NATS_CA: z.string().min(1).optional(),
  LIANDONG_NATS_CERT: z.string().min(1).optional(),
  LIANDONG_NATS_KEY: z.string().min(1).optional(),
  /** Its OPRF key's seed, a file only it is given (made at first start). */
  LIANDONG_MATCH_KEY_FILE: z.string().min(1),
  LIANDONG_MATCH_HOLDERS: z.string().default("health,family-planning"),
  LIANDONG_MATCH_LEDGERS: z.string().default("drug-regulation"),
  /** Its probes (`/healthz`, `/readyz`) for the launcher, on loopback; none unless given. */
  LIANDONG_HTTP_HOST: z.string().default("127.0.0.1"),
  LIANDONG_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LIANDONG_MATCH_BURST: z.coerce.number().int().positive().default(500_000),
  LIANDONG_MATCH_PER_MINUTE: z.coerce.number().int().positive().default(100_000),
  LIANDONG_LOG_LEVEL: z.string().default("info"),
  LIANDONG_LIFELINE_FD: z.coerce.number().int().min(3).optional(),
  /**
   * Audits and tests: on SIGUSR2 the service writes a heap snapshot of itself here
   * (`comparison-<pid>.heapsnapshot`), so that what it holds can be searched for identities.
   */
  LIANDONG_HEAP_SNAPSHOT_DIR: z.string().min(1).optional(),
});
const parsed = Env.safeParse(process.env);
if (!parsed.success) throw new Error(`环境变量有误:\n${z.prettifyError(parsed.error)}`);
const env = parsed.data;
const county =
  env.LIANDONG_COUNTY ??
  (env.LIANDONG_CONFIG
    ? CountyConfig.parse(JSON.parse(readFileSync(env.LIANDONG_CONFIG, "utf8"))).county
    : undefined);
if (!county) throw new Error("环境变量有误: 需要 LIANDONG_COUNTY 或 LIANDONG_CONFIG（县配置文件）");
const logger = createLogger(COMPARISON, env.LIANDONG_LOG_LEVEL);
const nc = await connectBus({
  servers: env.LIANDONG_NATS_URL,
  agency: COMPARISON,
  seedFile: env.LIANDONG_NATS_SEED_FILE,
  ...busTls(env),
});
const publisher = new EventPublisher(nc, {
  county,
  agency: COMPARISON,
  idKey: messageIdKey(env.LIANDONG_NATS_SEED_FILE),
  signer: signerFromSeed(readFileSync(env.LIANDONG_NATS_SEED_FILE, "utf8")),
  logger,
});
// libsodium's ristretto255 (WebAssembly) for the evaluations, loaded before the first request.
await oprfReady();
const service = startComparison({
  nc,
  county,
  keys: ensureOprfKey(env.LIANDONG_MATCH_KEY_FILE),
  keep: new FactsKeep(retryingPuts(await new Kvm(nc).open(COMPARISON_BUCKET)), logger),
  holders: env.LIANDONG_MATCH_HOLDERS.split(",").filter(Boolean),
  ledgers: env.LIANDONG_MATCH_LEDGERS.split(",").filter(Boolean),
  limit: { burst: env.LIANDONG_MATCH_BURST, perMinute: env.LIANDONG_MATCH_PER_MINUTE },
  publisher,
  logger,
});
// Probes only: the service is asked on the bus, never over HTTP.
const probes = createServer((req, res) => {
  const ok = req.url === "/healthz" || (req.url === "/readyz" && !nc.isClosed());
  res.writeHead(ok ? 200 : req.url === "/readyz" ? 503 : 404, {
    "content-type": "application/json",
  });
  res.end(JSON.stringify({ status: ok ? "ok" : "unavailable", service: COMPARISON }));
});
if (env.LIANDONG_HTTP_PORT !== undefined)
  await new Promise<void>((resolve) =>
    probes.listen(env.LIANDONG_HTTP_PORT, env.LIANDONG_HTTP_HOST, resolve),
  );
const snapshots = env.LIANDONG_HEAP_SNAPSHOT_DIR;
if (snapshots)
  process.on("SIGUSR2", () => {
    const file = join(snapshots, `${COMPARISON}-${process.pid}.heapsnapshot`);
    renameSync(writeHeapSnapshot(`${file}.part`), file);
    logger.info({ file }, "heap snapshot written");
  });
logger.info({ county }, "comparison service ready");
const stop = async () => {
  probes.close();
  await service.stop();
  await publisher.close();
  await nc.drain();
  process.exit(0);
};
watchLifeline(env.LIANDONG_LIFELINE_FD, () => void stop());
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
