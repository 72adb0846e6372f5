import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../services/county/src/free-port.ts";

export type NatsServerOptions = {
  /** Extra configuration text appended to the generated file. */
  config?: string;
  storeDir?: string;
  port?: number;
  serverName?: string;
  jetstream?: boolean;
  /** JetStream domain (a county of a region: each is its own domain). */
  domain?: string;
  /** The whole configuration, written as given (with `port` and `storeDir` chosen by the caller). */
  fullConfig?: string;
  /** The server's environment (this process's by default). */
  env?: NodeJS.ProcessEnv;
};

export type NatsServer = {
  url: string;
  port: number;
  storeDir: string;
  configFile: string;
  /** The running process's (changes on restart). */
  readonly pid: number;
  /** What the server has logged lately (stderr, the last 64 KB). */
  log(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
};

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function natsServerBinary(): string {
  const fromEnv = process.env.LIANDONG_NATS_SERVER;
  if (fromEnv) return fromEnv;
  const local = resolve(import.meta.dirname, "../../.liandong/bin/nats-server");
  if (existsSync(local)) return local;
  throw new Error("no nats-server: run `npm test` (it installs one) or set LIANDONG_NATS_SERVER");
}

/** Resolves once the server has sent its INFO line on `port`. */
async function waitForInfo(
  port: number,
  proc: ChildProcess,
  stderr: () => string,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`nats-server exited (${proc.exitCode}):\n${stderr()}`);
    const ok = await new Promise<boolean>((done) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("data", (d) => {
        sock.destroy();
        done(d.toString().startsWith("INFO"));
      });
      sock.once("error", () => done(false));
      sock.setTimeout(500, () => {
        sock.destroy();
        done(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} in time:\n${stderr()}`);
}

/** A real nats-server on a free loopback port, with its own store; one per test file. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), "liandong-nats-"));
  const storeDir = opts.storeDir ?? join(dir, "store");
  const port = opts.port ?? (await freePort());
  const configFile = join(dir, "nats-server.conf");
  const jetstream = opts.jetstream ?? true;
  writeFileSync(
    configFile,
    opts.fullConfig ??
      [
        `server_name: ${JSON.stringify(opts.serverName ?? `test-${port}`)}`,
        `listen: "127.0.0.1:${port}"`,
        jetstream
          ? `jetstream { store_dir: ${JSON.stringify(storeDir)}${opts.domain ? `, domain: ${JSON.stringify(opts.domain)}` : ""} }`
          : "",
        opts.config ?? "",
      ].join("\n"),
  );
  let proc: ChildProcess;
  let err = "";
  const start = async () => {
    err = "";
    proc = spawn(natsServerBinary(), ["-c", configFile], {
      stdio: ["ignore", "ignore", "pipe"],
      ...(opts.env ? { env: opts.env } : {}),
    });
    live.add(proc);
    proc.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-65536);
    });
    proc.once("exit", () => live.delete(proc));
    await waitForInfo(port, proc, () => err);
  };
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    configFile,
    get pid() {
      return proc.pid ?? 0;
    },
    log: () => err,
    stop: async () => {
      await end("SIGTERM");
      if (!opts.storeDir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGTERM");
      await start();
    },
  };
}
