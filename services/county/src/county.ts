import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { COMPARISON, CountyConfig } from "@liandong/contracts";
import { connectBus, DEFAULT_PORTS, keepSourcesFlowing, provisionCounty } from "@liandong/runtime";
import { z } from "zod";
import { ensureBuilt } from "../build.mjs";
import { type ClientTls, clusterCertificates, ensureAuthority } from "./certs.ts";
import { freePort } from "./free-port.ts";
import { ensureIdentities, type Identity } from "./identities.ts";
import { COMPARISON_PORT, ensureMatchKeys, MATCH_HOLDERS } from "./match-keys.ts";
import { ensureOfficers, type IssuedToken } from "./officers.ts";
import { type Child, killGroup, startChild, stopChild, waitReady } from "./processes.ts";
import { type RegionLinks, renderCluster, renderServerConfig } from "./server-config.ts";
import { serviceEntry } from "./service-entry.ts";
import { lockStateDir, type StateLock } from "./state-lock.ts";
import { Supervised } from "./supervisor.ts";
import { ensureVaultKeys } from "./vault-keys.ts";

export type CountyOptions = {
  /** Repository root (where services/ lives). */
  root: string;
  /** Where data, secrets and logs go (git-ignored). */
  stateDir: string;
  configFile: string;
  natsServer: string;
  /** `fixed`: the well-known ports (4222, 7100…); `free`: whatever is free (tests). */
  ports: "fixed" | "free";
  syncAlways?: boolean;
  /** Drills and tests: a clock offset file every service reads (`LIANDONG_CLOCK_FILE`). */
  clockFile?: string;
  /** A county that outgrew one machine: this many nats-server nodes in a cluster, R3 streams. */
  clusterNodes?: number;
  /** Leaf-node links to the neighbours of its cooperation region (区域协作). */
  region?: RegionLinks;
  /** `fixed` ports shifted by this much: a second county on the same machine (the region demo). */
  portOffset?: number;
  /** Drills and tests: how long the log remembers a message id (two minutes unless given). */
  duplicateWindowMs?: number;
  /** Where the launcher's own words go (a service restarted after a crash); nowhere unless given. */
  say?: (line: string) => void;
};

/** One nats-server of the county (one of a cluster's nodes). */
export type NatsNode = {
  name: string;
  url: string;
  /** SIGKILL, as a power cut would. */
  kill(): Promise<void>;
  /** Starts it again, same name and data. */
  start(): Promise<void>;
};

export type RunningCounty = {
  config: CountyConfig;
  natsUrl: string;
  urls: Record<string, string>;
  /** The agencies' public keys (`AuditKeys`), for verifying the county's log. */
  keysFile: string;
  tokens: IssuedToken[];
  /** The county's nats-server nodes (one, or a cluster's). */
  nodes: NatsNode[];
  /**
   * What a client of the bus presents and trusts, by identity (`admin`, an agency…): a cluster's
   * client port takes mutual TLS only; undefined for one server on loopback (plain, and says so).
   */
  tlsFor(identity: string): ClientTls | undefined;
  /** Graceful: services first (they drain), then nats-server. */
  stop(): Promise<void>;
  /**
   * SIGKILL every service and nats-server at once, as a power cut would; or one side first and
   * the other `gapMs` later (drills): nats-server first, and the services die with publishes sent
   * whose acks never came; the services first, and nats-server has written down what it had
   * handed out to them unanswered.
   */
  kill(opts?: { first?: "server" | "services"; gapMs?: number }): Promise<void>;
  /** Starts whatever is not running again, on the same ports and data. */
  restart(): Promise<void>;
};

export function readCountyConfig(file: string): CountyConfig {
  const parsed = CountyConfig.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`县配置文件 ${file} 有误:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A county's bus in a box: nats-server, identities, streams and every service, on this machine. */
export async function startCounty(opts: CountyOptions): Promise<RunningCounty> {
  const config = readCountyConfig(opts.configFile);
  const dirs = {
    data: join(opts.stateDir, "data"),
    secrets: join(opts.stateDir, "secrets"),
    logs: join(opts.stateDir, "logs"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  const agencies = config.agencies.map((a) => a.code);
  const identities = await ensureIdentities(dirs.secrets, agencies);
  // The county's own certificate authority, made when the county is first set up (README,
  // 传输加密 TLS): its region links and, in a cluster, its routes and clients use its certificates.
  const authority = await ensureAuthority(dirs.secrets, config.county);
  const vaultKeys = ensureVaultKeys(dirs.secrets, config.agencies);
  const tokens = ensureOfficers(
    join(dirs.secrets, "tokens.json"),
    join(dirs.secrets, "officers.json"),
    config.agencies,
  );
  // The public keys go into the services' configuration (the office serves them for audits).
  config.auditKeys = Object.fromEntries(
    Object.entries(identities.agencies).map(([a, id]) => [a, id.publicKey]),
  );
  // The comparison service (数据比对) records under its own identity: its seals are checked so.
  config.auditKeys.comparison = identities.comparison.publicKey;
  const match = ensureMatchKeys(dirs.secrets);
  const resolvedConfig = join(opts.stateDir, "county.json");
  writeFileSync(resolvedConfig, `${JSON.stringify(config, null, 2)}\n`);
  const keysFile = join(opts.stateDir, "public-keys.json");
  writeFileSync(
    keysFile,
    `${JSON.stringify({ county: config.county, agencies: config.auditKeys, neighbours: config.region.neighbours, neighbourKeys: config.region.keys, comparisonOprfKey: match.oprfPublicKey }, null, 2)}\n`,
  );

  const portsFile = join(opts.stateDir, "ports.json");
  let ports: Record<string, number>;
  try {
    ports = JSON.parse(readFileSync(portsFile, "utf8"));
  } catch {
    ports = {};
  }
  const want = async (name: string, fixed: number) => {
    ports[name] ??= opts.ports === "fixed" ? fixed + (opts.portOffset ?? 0) : await freePort();
    return ports[name]!;
  };
  const nodeCount = opts.clusterNodes ?? 1;
  const clustered = nodeCount > 1;
  if (clustered && opts.region)
    throw new Error("区域联动演示仅支持单节点县（未实现集群县的区域链路）");
  const natsPort = await want("nats", Number(process.env.LIANDONG_NATS_PORT ?? 4222));
  const nodePorts = [natsPort];
  for (let i = 1; i < nodeCount; i++) nodePorts.push(await want(`nats-${i}`, natsPort + i));
  const routePorts: number[] = [];
  if (clustered)
    for (let i = 0; i < nodeCount; i++) routePorts.push(await want(`route-${i}`, 6222 + i));
  let extra = 7106;
  for (const a of agencies) await want(a, DEFAULT_PORTS[a] ?? extra++);
  await want(COMPARISON, COMPARISON_PORT);
  if (opts.ports === "free") writeFileSync(portsFile, JSON.stringify(ports));

  // A cluster: routes and client connections over mutual TLS. One server on loopback stays plain.
  const certs = clustered
    ? await clusterCertificates(authority, nodeCount, [
        ...agencies,
        identities.admin.name,
        identities.auditor.name,
        identities.keeper.name,
        identities.breakGlass.name,
        identities.comparison.name,
      ])
    : undefined;
  const tlsFor = (identity: string) => certs?.clients[identity];
  const nodeNames = nodePorts.map((_, i) =>
    clustered ? `liandong-${config.county}-${i + 1}` : `liandong-${config.county}`,
  );
  const confFiles = nodePorts.map((port, i) => {
    const file = join(opts.stateDir, clustered ? `nats-server-${i + 1}.conf` : "nats-server.conf");
    const node = certs?.nodes[i];
    const nodeTls = node && {
      certFile: node.certFile,
      keyFile: node.keyFile,
      caFile: node.trustFile,
    };
    const cluster = clustered
      ? renderCluster({
          name: `liandong-${config.county}`,
          listen: `127.0.0.1:${routePorts[i]}`,
          routes: routePorts.filter((_, j) => j !== i).map((r) => `nats-route://127.0.0.1:${r}`),
          ...(nodeTls ? { tls: nodeTls } : {}),
        })
      : "";
    writeFileSync(
      file,
      renderServerConfig({
        county: config.county,
        serverName: nodeNames[i]!,
        host: "127.0.0.1",
        port,
        storeDir: clustered ? join(dirs.data, `node-${i + 1}`) : dirs.data,
        identities,
        ...(opts.syncAlways ? { syncAlways: true } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        neighbours: config.region.neighbours,
        ...(nodeTls ? { tls: { ...nodeTls, verify: true } } : {}),
        pidFile: join(opts.stateDir, `${nodeNames[i]}.pid`),
        // Measurements only (bench --only county): nats-server's monitoring on loopback.
        extra: process.env.LIANDONG_NATS_MONITOR_PORT
          ? `${cluster}\nhttp: "127.0.0.1:${Number(process.env.LIANDONG_NATS_MONITOR_PORT) + i}"`
          : cluster,
      }),
    );
    return file;
  });
  // The services run built ahead of time with plain node (rebuilt here when a source changed).
  const build = await ensureBuilt(opts.root, opts.say);
  const nodeUrls = nodePorts.map((p) => `nats://127.0.0.1:${p}`);
  const natsUrl = nodeUrls.join(",");
  const urls = Object.fromEntries(agencies.map((a) => [a, `http://127.0.0.1:${ports[a]}`]));
  const nats: (Child | undefined)[] = nodePorts.map(() => undefined);
  let services: Supervised[] = [];
  let lock: StateLock | undefined;
  const recorded = (child: Child) => {
    lock?.child(child.name, child.proc.pid!);
    void child.exited.then(() => lock?.forget(child.proc.pid!));
  };

  const startNode = (i: number) => {
    const name = clustered ? nodeNames[i]! : "nats-server";
    // nats-server cannot watch its lifeline: its wrapper stops it when the launcher is gone.
    nats[i] = startChild(
      name,
      opts.natsServer,
      ["-c", confFiles[i]!],
      { ...process.env, ...NATS_ENV },
      join(dirs.logs, `${name}.log`),
      { wrap: true },
    );
    recorded(nats[i]!);
    return nats[i]!;
  };
  const startNats = async () => {
    for (let i = 0; i < nodeCount; i++) startNode(i);
    const admin = await connectWithRetry(natsUrl, identities.admin, nats[0]!, tlsFor("admin"));
    try {
      // A cluster answers JetStream requests once it has elected a meta leader.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await provisionCounty(admin, {
            county: config.county,
            agencies,
            replicas: clustered ? Math.min(3, nodeCount) : 1,
            neighbours: config.region.neighbours,
            beyond: config.region.beyond,
            hub: config.city?.code === config.county,
            ...(opts.duplicateWindowMs ? { duplicateWindowMs: opts.duplicateWindowMs } : {}),
          });
          break;
        } catch (err) {
          if (!clustered || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await admin.close();
    }
  };
  const startServices = async () => {
    services = agencies.map(
      (a) =>
        new Supervised(
          a,
          (restarts) =>
            startChild(
              a,
              process.execPath,
              [...nodeFlags(a), serviceEntry(build, a)],
              {
                ...process.env,
                ...LEAN_MALLOC,
                LIANDONG_AGENCY: a,
                LIANDONG_NATS_URL: natsUrl,
                LIANDONG_NATS_SEED_FILE: identities.agencies[a]!.seedFile,
                ...busTlsEnv(tlsFor(a)),
                // Each agency's vault key, to its own service only.
                ...(vaultKeys[a] ? { LIANDONG_VAULT_KEY_FILE: vaultKeys[a] } : {}),
                // The office's snapshot, beside the bus's data: a start folds only the log's tail.
                ...(a === "office" ? { LIANDONG_SNAPSHOT_DIR: join(opts.stateDir, "office") } : {}),
                // The holders' tag key (数据比对), to the holders of registers of people only.
                ...(MATCH_HOLDERS.includes(a)
                  ? { LIANDONG_MATCH_TAG_KEY_FILE: match.tagKeyFile }
                  : {}),
                // The comparison service's public key: its proofs are checked against this one.
                LIANDONG_MATCH_PUBLIC_KEY: match.oprfPublicKey,
                LIANDONG_HTTP_HOST: "127.0.0.1",
                LIANDONG_HTTP_PORT: String(ports[a]),
                LIANDONG_CONFIG: resolvedConfig,
                LIANDONG_OFFICERS: join(dirs.secrets, "officers.json"),
                // The office serves the web page; the agencies let it call them from the browser.
                LIANDONG_WEB_ORIGINS: urls.office ?? "",
                LIANDONG_SERVICE_URLS: JSON.stringify(urls),
                LIANDONG_RESTARTS: String(restarts),
                ...(opts.clockFile ? { LIANDONG_CLOCK_FILE: opts.clockFile } : {}),
              },
              join(dirs.logs, `${a}.log`),
            ),
          { started: recorded, ...(opts.say ? { say: opts.say } : {}) },
        ),
    );
    // The comparison service: its own identity and its own OPRF key, which no agency is given.
    services.push(
      new Supervised(
        COMPARISON,
        () =>
          startChild(
            COMPARISON,
            process.execPath,
            [...nodeFlags(COMPARISON), join(build, `${COMPARISON}.mjs`)],
            {
              ...process.env,
              ...LEAN_MALLOC,
              LIANDONG_COUNTY: config.county,
              LIANDONG_NATS_URL: natsUrl,
              LIANDONG_NATS_SEED_FILE: identities.comparison.seedFile,
              ...busTlsEnv(tlsFor(COMPARISON)),
              LIANDONG_MATCH_KEY_FILE: match.oprfKeyFile,
              LIANDONG_MATCH_HOLDERS: MATCH_HOLDERS.filter((h) => agencies.includes(h)).join(","),
              LIANDONG_HTTP_PORT: String(ports[COMPARISON]),
            },
            join(dirs.logs, `${COMPARISON}.log`),
          ),
        { started: recorded, ...(opts.say ? { say: opts.say } : {}) },
      ),
    );
    const probe = (name: string) =>
      name === COMPARISON ? `http://127.0.0.1:${ports[COMPARISON]}` : urls[name];
    await Promise.all(services.map((s) => waitReady(`${probe(s.name)}/readyz`, s.run(), 60_000)));
    for (const s of services) s.keep();
  };

  // In a region: the sources from the neighbours restarted as soon as a cut link is back,
  // rather than on nats-server's back-off of up to two minutes. In a cluster: an inbox's source
  // whose consumer went with a lost node, once it has been stuck longer than an election takes.
  let keeper: { stop(): Promise<void> } | undefined;
  const keepLinks = async () => {
    if (config.region.neighbours.length === 0 && !clustered) return;
    const nc = await connectWithRetry(natsUrl, identities.keeper, nats[0]!, tlsFor("keeper"));
    const k = keepSourcesFlowing(nc, clustered ? { localSilentMs: 10_000 } : {});
    keeper = {
      async stop() {
        k.stop();
        await nc.close();
      },
    };
  };
  const stopKeeper = async () => {
    await keeper?.stop().catch(() => undefined);
    keeper = undefined;
  };

  const up = async () => {
    lock ??= await lockStateDir(opts.stateDir, opts.say ? { say: opts.say } : {});
    try {
      const taken = await portsInUse([
        ...nodePorts.map((p, i) => [nodeNames[i]!, p] as const),
        ...routePorts.map((p, i) => [`${nodeNames[i]!}（集群路由）`, p] as const),
        ...agencies.map((a) => [a, ports[a]!] as const),
        [COMPARISON, ports[COMPARISON]!] as const,
      ]);
      if (taken.length > 0)
        throw new Error(
          `端口已被占用：${taken.map(([name, port]) => `${port}（${name}）`).join("、")}。` +
            "可能另一个程序或另一个数据目录的联动县正在使用它们。",
        );
      await startNats();
      await keepLinks();
      await startServices();
    } catch (err) {
      // Leave nothing running behind a failed start.
      await stopKeeper();
      await Promise.all(services.map((s) => s.stop(2000)));
      await Promise.all(nats.map((n) => n && stopChild(n, 2000)));
      lock?.release();
      lock = undefined;
      throw err;
    }
  };
  await up();

  return {
    config,
    natsUrl,
    urls,
    keysFile,
    tokens,
    tlsFor,
    nodes: nodeNames.map((name, i) => ({
      name,
      url: nodeUrls[i]!,
      async kill() {
        const n = nats[i];
        if (!n || n.proc.exitCode !== null || n.proc.signalCode !== null) return;
        killGroup(n);
        await n.exited;
      },
      async start() {
        startNode(i);
      },
    })),
    async stop() {
      await stopKeeper();
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all(nats.map((n) => n && stopChild(n)));
      lock?.release();
      lock = undefined;
    },
    async kill(o = {}) {
      await stopKeeper();
      const killServer = async (n: Child) => {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
        killGroup(n);
        await n.exited;
      };
      const servers = async () => void (await Promise.all(nats.map((n) => n && killServer(n))));
      const agencies = async () => void (await Promise.all(services.map((s) => s.kill())));
      if (!o.first) return void (await Promise.all([servers(), agencies()]));
      const [one, other] = o.first === "server" ? [servers, agencies] : [agencies, servers];
      await one();
      await new Promise((r) => setTimeout(r, o.gapMs ?? 1000));
      await other();
    },
    restart: up,
  };
}

/** The service's environment for its bus connection over TLS (ServiceEnv). */
const busTlsEnv = (tls: ClientTls | undefined): Record<string, string> =>
  tls
    ? {
        LIANDONG_NATS_CA: tls.caFile,
        LIANDONG_NATS_CERT: tls.certFile,
        LIANDONG_NATS_KEY: tls.keyFile,
      }
    : {};

/**
 * Memory at rest (bench --only county), glibc's allocator: in two arenas rather than one per
 * thread, and with its thresholds fixed at their defaults (128 kB) rather than raised by every
 * large block freed (a service's start reads and parses megabytes in large blocks: with the
 * thresholds raised, what is freed after stays in the process; fixed, it goes back to the
 * system: ~5 MB an agency, ~18 MB the launcher, measured per process). The image sets the same
 * (Dockerfile ENV: test/compose.test.ts).
 */
export const LEAN_MALLOC = {
  MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2",
  MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? "131072",
  MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? "131072",
};
/**
 * nats-server's environment beside the county's own: Go's scheduler on one core. With two, a
 * county's bus, woken by a message every few milliseconds, keeps a second thread spinning for
 * work that seldom comes: nats-server's CPU per hand-off 1.60–1.80 ms with two, 1.33–1.53 with
 * one (two counties up side by side, their offers alternating, four rounds of 300). One core
 * stores over 30,000 events a second (20–30 µs of its CPU an event in the publish suite), far
 * beyond a county's. An operator's own GOMAXPROCS is kept.
 */
export const NATS_ENV = { GOMAXPROCS: process.env.GOMAXPROCS ?? "1" };
/**
 * Node's flags for a service (docker-compose.yml gives its containers the same:
 * test/compose.test.ts). The young generation kept small: V8 grows each of its halves up to
 * 16 MB under a burst and keeps them at rest. An agency and the comparison service handle a
 * request at a time (1 MB). The office keeps V8's 16: its rebuild allocates fast and long, and
 * what it keeps of each event is copied out of a young generation of 2 MB so often that the
 * rebuild ran a third slower (bench --only office, run with each: 66-70k against 100k events/s
 * at 1,000,000 events), for 11-12 MB less resident at rest (77 against 88-90 MB, the demo).
 */
export const nodeFlags = (agency: string) =>
  agency === "office" ? ["--max-semi-space-size=16"] : ["--max-semi-space-size=1"];

async function connectWithRetry(
  url: string,
  identity: Identity,
  nats: Child,
  tls: ClientTls | undefined,
) {
  // A small server starting several buses at once (a city and its counties) takes its time.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await connectBus({
        servers: url,
        agency: identity.name,
        seedFile: identity.seedFile,
        name: `liandong-county-${identity.name}`,
        waitOnFirstConnect: false,
        ...(tls ? { tls } : {}),
      });
    } catch (err) {
      if (nats.proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`nats-server 未能启动，详见日志 (${String(err)})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Which of the named ports something already listens on (on the county's loopback address). */
async function portsInUse(
  wanted: readonly (readonly [string, number])[],
): Promise<(readonly [string, number])[]> {
  const busy = await Promise.all(
    wanted.map(
      ([, port]) =>
        new Promise<boolean>((resolve) => {
          const probe = createServer();
          probe.once("error", () => resolve(true));
          probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
        }),
    ),
  );
  return wanted.filter((_, i) => busy[i]);
}
