import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CountyConfig } from "@liandong/contracts";
import { connectBus, DEFAULT_PORTS, provisionCounty } from "@liandong/runtime";
import { z } from "zod";
import { freePort } from "./free-port.ts";
import { ensureIdentities } from "./identities.ts";
import { ensureOfficers, type IssuedToken } from "./officers.ts";
import { type Child, startChild, stopChild, waitReady } from "./processes.ts";
import { renderServerConfig } from "./server-config.ts";
import { serviceEntry } from "./service-entry.ts";

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
};

export type RunningCounty = {
  config: CountyConfig;
  natsUrl: string;
  urls: Record<string, string>;
  /** The agencies' public keys (`AuditKeys`), for verifying the county's log. */
  keysFile: string;
  tokens: IssuedToken[];
  /** Graceful: services first (they drain), then nats-server. */
  stop(): Promise<void>;
  /** SIGKILL every service and nats-server at once, as a power cut would. */
  kill(): Promise<void>;
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
  const tokens = ensureOfficers(
    join(dirs.secrets, "tokens.json"),
    join(dirs.secrets, "officers.json"),
    config.agencies,
  );
  // The public keys go into the services' configuration (the office serves them for audits).
  config.auditKeys = Object.fromEntries(
    Object.entries(identities.agencies).map(([a, id]) => [a, id.publicKey]),
  );
  const resolvedConfig = join(opts.stateDir, "county.json");
  writeFileSync(resolvedConfig, `${JSON.stringify(config, null, 2)}\n`);
  const keysFile = join(opts.stateDir, "public-keys.json");
  writeFileSync(
    keysFile,
    `${JSON.stringify({ county: config.county, agencies: config.auditKeys }, null, 2)}\n`,
  );

  const portsFile = join(opts.stateDir, "ports.json");
  let ports: Record<string, number>;
  try {
    ports = JSON.parse(readFileSync(portsFile, "utf8"));
  } catch {
    ports = {};
  }
  const want = async (name: string, fixed: number) => {
    ports[name] ??= opts.ports === "fixed" ? fixed : await freePort();
    return ports[name]!;
  };
  const natsPort = await want("nats", Number(process.env.LIANDONG_NATS_PORT ?? 4222));
  let extra = 7106;
  for (const a of agencies) await want(a, DEFAULT_PORTS[a] ?? extra++);
  if (opts.ports === "free") writeFileSync(portsFile, JSON.stringify(ports));

  const confFile = join(opts.stateDir, "nats-server.conf");
  writeFileSync(
    confFile,
    renderServerConfig({
      county: config.county,
      serverName: `liandong-${config.county}`,
      host: "127.0.0.1",
      port: natsPort,
      storeDir: dirs.data,
      identities,
      ...(opts.syncAlways ? { syncAlways: true } : {}),
    }),
  );
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const urls = Object.fromEntries(agencies.map((a) => [a, `http://127.0.0.1:${ports[a]}`]));
  let nats: Child | undefined;
  let services: Child[] = [];

  const startNats = async () => {
    nats = startChild(
      "nats-server",
      opts.natsServer,
      ["-c", confFile],
      process.env,
      join(dirs.logs, "nats-server.log"),
    );
    const admin = await connectWithRetry(natsUrl, identities.admin.seedFile, nats);
    try {
      await provisionCounty(admin, { county: config.county, agencies });
    } finally {
      await admin.close();
    }
  };
  const startServices = async () => {
    services = agencies.map((a) =>
      startChild(
        a,
        process.execPath,
        ["--import", "tsx", serviceEntry(opts.root, a)],
        {
          ...process.env,
          LIANDONG_AGENCY: a,
          LIANDONG_NATS_URL: natsUrl,
          LIANDONG_NATS_SEED_FILE: identities.agencies[a]!.seedFile,
          LIANDONG_HTTP_HOST: "127.0.0.1",
          LIANDONG_HTTP_PORT: String(ports[a]),
          LIANDONG_CONFIG: resolvedConfig,
          LIANDONG_OFFICERS: join(dirs.secrets, "officers.json"),
          // The office serves the web page; the agencies let it call them from the browser.
          LIANDONG_WEB_ORIGINS: urls.office ?? "",
          LIANDONG_SERVICE_URLS: JSON.stringify(urls),
          ...(opts.clockFile ? { LIANDONG_CLOCK_FILE: opts.clockFile } : {}),
        },
        join(dirs.logs, `${a}.log`),
      ),
    );
    await Promise.all(services.map((s) => waitReady(`${urls[s.name]}/readyz`, s, 60_000)));
  };

  const up = async () => {
    try {
      await startNats();
      await startServices();
    } catch (err) {
      // Leave nothing running behind a failed start.
      await Promise.all(services.map((s) => stopChild(s, 2000)));
      if (nats) await stopChild(nats, 2000);
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
    async stop() {
      await Promise.all(services.map((s) => stopChild(s)));
      if (nats) await stopChild(nats);
    },
    async kill() {
      for (const c of [...services, ...(nats ? [nats] : [])]) c.proc.kill("SIGKILL");
      await Promise.all([...services, ...(nats ? [nats] : [])].map((c) => c.exited));
    },
    restart: up,
  };
}

async function connectWithRetry(url: string, seedFile: string, nats: Child) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await connectBus({
        servers: url,
        agency: "admin",
        seedFile,
        name: "liandong-county-admin",
        waitOnFirstConnect: false,
      });
    } catch (err) {
      if (nats.proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`nats-server 未能启动，详见日志 (${String(err)})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
