// The main command (`npm run up [-- --demo]`) stops the county as cleanly on Ctrl-C — SIGINT to its
// whole process group, as a terminal sends it — as on a signal sent to it alone (a supervisor's
// SIGTERM, a closed terminal's SIGHUP), and leaves nothing running. It prints every service's
// URL, and what was registered before a stop is there after the next start. Killed outright, it
// leaves nothing running; a second launcher on the same state folder is refused.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_AGENCIES } from "@liandong/contracts";
import { afterEach, expect, it } from "vitest";
import { groupRunning, running } from "../services/county/src/state-lock.ts";
import { api, eventually, ROOT } from "./support/county.ts";

type Started = { proc: ChildProcess; stateDir: string; detached: boolean };
const started: Started[] = [];

/** A signal to the child, or to its whole process group if it has one of its own. */
function signal({ proc, detached }: Started, sig: NodeJS.Signals) {
  try {
    if (detached) process.kill(-proc.pid!, sig);
    else proc.kill(sig);
  } catch {
    // Already gone.
  }
}

afterEach(async () => {
  const left = started.splice(0);
  for (const child of left) {
    // Left running by a failed test: stopped as a user would, killed if that does not work.
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      const exited = once(child.proc, "exit");
      signal(child, "SIGINT");
      const timer = setTimeout(() => signal(child, "SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
      // A group may outlive its leader (npm gone, the launcher not).
      if (child.detached) signal(child, "SIGKILL");
    }
  }
  // Only once nothing runs: two runs of one test may share a state directory.
  for (const stateDir of new Set(left.map((c) => c.stateDir)))
    rmSync(stateDir, { recursive: true, force: true });
}, 30_000);

type UpOptions = {
  /** `--demo`, as README's quick start runs it. */
  demo?: boolean;
  /** Its own process group, as a terminal's foreground job: Ctrl-C goes to the whole group. */
  detached?: boolean;
  /** A previous run's, to start it again; a new temporary one if not given. */
  stateDir?: string;
};

/** The main command, directly or through npm (`npm run up`), until it says it is up. */
async function up(via: "node" | "npm" = "node", opts: UpOptions = {}) {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "liandong-launcher-"));
  const extra = opts.demo ? ["--demo"] : [];
  const [cmd, args] =
    via === "npm"
      ? ["npm", ["run", "--silent", "up", ...(extra.length ? ["--", ...extra] : [])]]
      : [process.execPath, ["services/county/bootstrap.mjs", "up", ...extra]];
  const detached = opts.detached ?? false;
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, LIANDONG_STATE_DIR: stateDir, LIANDONG_PORTS: "free" },
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
  const child = { proc, stateDir, detached };
  started.push(child);
  let output = "";
  proc.stdout!.on("data", (b: Buffer) => {
    output += b.toString();
  });
  proc.stderr!.on("data", (b: Buffer) => {
    output += b.toString();
  });
  // Its output is read to the end once every process holding it has gone (npm, the launcher).
  const closed = once(proc, "close") as Promise<[number | null, NodeJS.Signals | null]>;
  const deadline = Date.now() + 90_000;
  while (!output.includes("按 Ctrl-C 停止")) {
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`the county did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const ports = JSON.parse(readFileSync(join(stateDir, "ports.json"), "utf8")) as Record<
    string,
    number
  >;
  return {
    proc,
    stateDir,
    ports,
    output: () => output,
    /** Ctrl-C in the terminal: SIGINT to every process of the foreground group at once. */
    async ctrlC() {
      signal(child, "SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the county did not stop on Ctrl-C:\n${output}`)),
          60_000,
        );
      });
      try {
        const [code, signal] = await Promise.race([closed, late]);
        return { code, signal };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

it("npm stopped with SIGTERM (which it does not pass on): the county stops too", async () => {
  const county = await up("npm");
  county.proc.kill("SIGTERM");
  const deadline = Date.now() + 30_000;
  while (!county.output().includes("已全部停止，数据已保存")) {
    if (Date.now() > deadline) throw new Error(`the county did not stop:\n${county.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const port of Object.values(county.ports)) expect(await listening(port)).toBe(false);
}, 120_000);

for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  it(`${signal} to the launcher alone stops every service and nats-server, data saved`, async () => {
    const county = await up();
    for (const port of Object.values(county.ports)) expect(await listening(port)).toBe(true);
    // To the launcher's process only, not its group: what a supervisor or a closed terminal sends.
    county.proc.kill(signal);
    const [code] = await once(county.proc, "exit");
    expect(county.output()).toContain("已全部停止，数据已保存");
    expect(code).toBe(0);
    for (const port of Object.values(county.ports)) expect(await listening(port)).toBe(false);
  }, 120_000);
}

type Inbox = { items: { leadId: string; from: string }[]; total: number };

/** An officer of the county started in `stateDir`, with the token the launcher issued. */
function officer(stateDir: string, ports: Record<string, number>, agency: string) {
  const tokens = JSON.parse(readFileSync(join(stateDir, "secrets", "tokens.json"), "utf8")) as {
    officer: string;
    token: string;
  }[];
  const token = tokens.find((t) => t.officer === `${agency}.liaison`)?.token;
  if (!token) throw new Error(`no liaison of ${agency} in tokens.json`);
  return api(`http://127.0.0.1:${ports[agency]}`, token);
}

it("`npm run up -- --demo`: six service URLs that answer, Ctrl-C stops it all, a lead survives a restart", async () => {
  // README's quick start, in a terminal of its own.
  const first = await up("npm", { demo: true, detached: true });
  expect(first.output()).not.toContain("演示数据载入失败");

  // One line per service, its name then its URL, on the port ports.json gives it; no other URL.
  const printed = [...first.output().matchAll(/^ {2}(\S+) {2}http:\/\/127\.0\.0\.1:(\d+)$/gm)];
  expect(printed).toHaveLength(6);
  expect(Object.fromEntries(printed.map(([, name, port]) => [name, Number(port)]))).toEqual(
    Object.fromEntries(DEFAULT_AGENCIES.map((a) => [a.name, first.ports[a.code]])),
  );
  const anyUrl = [...first.output().matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)];
  expect(new Set(anyUrl.map(([, port]) => Number(port)))).toEqual(
    new Set(DEFAULT_AGENCIES.map((a) => first.ports[a.code])),
  );
  for (const [, , port] of printed) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status, `GET http://127.0.0.1:${port}/healthz`).toBe(200);
  }

  // A lead about a target of the county's own, shared with public-security by the routing table.
  const { county } = JSON.parse(readFileSync(join(first.stateDir, "county.json"), "utf8")) as {
    county: string;
  };
  const registered = await officer(first.stateDir, first.ports, "health").post<{
    leadId: string;
    sharedWith: string[];
  }>("/leads", {
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: "某县人民医院", unit: "妇产科", county },
    summary: "重启前登记：同一姓名半年内三次引产记录",
  });
  expect(registered.status).toBe(201);
  expect(registered.body.sharedWith).toContain("public-security");
  const { leadId } = registered.body;
  const lead = await officer(first.stateDir, first.ports, "health").get(`/leads/${leadId}`);
  expect(lead.status).toBe(200);
  const delivered = await eventually(async () => {
    const r = await officer(first.stateDir, first.ports, "public-security").get<Inbox>(
      "/inbox?limit=500",
    );
    return r.body.items.find((i) => i.leadId === leadId);
  }, 30_000);
  expect(delivered.from).toBe("health");

  // Ctrl-C: everything stops cleanly, nats-server included. npm's own status is its script
  // shell's: dash (Debian's sh) also gets the SIGINT and dies of it whatever the launcher does,
  // and npm then ends by the same signal; a shell that waits for its child (bash) exits 0.
  expect([
    { code: 0, signal: null },
    { code: null, signal: "SIGINT" },
  ]).toContainEqual(await first.ctrlC());
  expect(first.output()).toContain("已全部停止，数据已保存");
  for (const [name, port] of Object.entries(first.ports))
    expect(await listening(port), `${name} still listening on ${port}`).toBe(false);

  // Started again on the same data (the demo played again, as the quick start would), this time
  // the launcher npm runs, without npm: its exit status on Ctrl-C is its own.
  const second = await up("node", { demo: true, detached: true, stateDir: first.stateDir });
  expect(second.output()).not.toContain("演示数据载入失败");
  const again = await officer(second.stateDir, second.ports, "health").get(`/leads/${leadId}`);
  expect(again.status).toBe(200);
  expect(again.body).toEqual(lead.body);
  const inbox = await officer(second.stateDir, second.ports, "public-security").get<Inbox>(
    "/inbox?limit=500",
  );
  expect(inbox.status).toBe(200);
  expect(inbox.body.items.filter((i) => i.leadId === leadId)).toEqual([delivered]);

  expect(await second.ctrlC()).toEqual({ code: 0, signal: null });
  expect(second.output()).toContain("已全部停止，数据已保存");
  for (const [name, port] of Object.entries(second.ports))
    expect(await listening(port), `${name} still listening on ${port}`).toBe(false);
}, 240_000);

/** Whatever the launcher started, as its lock in the state folder records it. */
const lockOf = (stateDir: string) =>
  JSON.parse(readFileSync(join(stateDir, "county.lock"), "utf8")) as {
    pid: number;
    command: string;
    children: { name: string; pgid: number }[];
  };

/** Any process of the group still running (a dead one whose exit init has yet to collect is not). */
const groupAlive = groupRunning;

/** The launcher run once more and left to end: its exit code and what it said. */
async function refusedStart(stateDir: string, extraEnv: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ["services/county/bootstrap.mjs", "up"], {
    cwd: ROOT,
    env: { ...process.env, LIANDONG_STATE_DIR: stateDir, LIANDONG_PORTS: "free", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push({ proc, stateDir, detached: false });
  let output = "";
  proc.stdout.on("data", (b: Buffer) => {
    output += b.toString();
  });
  proc.stderr.on("data", (b: Buffer) => {
    output += b.toString();
  });
  const [code] = (await once(proc, "close")) as [number | null];
  return { code, output };
}

it("killed outright, the launcher leaves nothing running; a second launcher on its folder is refused", async () => {
  const first = await up("node", { detached: true });
  const lock = lockOf(first.stateDir);
  expect(lock.children.map((c) => c.name).sort()).toEqual(
    // The comparison service (数据比对) is one of the county's processes too.
    [...DEFAULT_AGENCIES.map((a) => a.code), "comparison", "nats-server"].sort(),
  );
  // The launcher alone, SIGKILLed, as the out-of-memory killer picks the biggest process:
  // nats-server and every service stop by themselves (their lifelines end), the ports are free.
  process.kill(lock.pid, "SIGKILL");
  await eventually(
    async () => (lock.children.some((c) => groupAlive(c.pgid)) ? undefined : true),
    30_000,
  );
  for (const [name, port] of Object.entries(first.ports))
    expect(await listening(port), `${name} still listening on ${port}`).toBe(false);

  // Started again on the same folder: it comes up (one nats-server on the store, ports free).
  const second = await up("node", { detached: true, stateDir: first.stateDir });
  const health = await fetch(`http://127.0.0.1:${second.ports.health}/readyz`);
  expect(health.status).toBe(200);
  const launcher = lockOf(second.stateDir);

  // A second launcher on the same folder: refused, naming the running one; nothing disturbed.
  const refused = await refusedStart(second.stateDir);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain(`已有一个联动县在运行：进程 ${launcher.pid}（`);
  // The launcher runs in the bootstrap's process (built ahead of time, with plain node).
  expect(refused.output).toContain("services/county/bootstrap.mjs up");
  expect(refused.output).not.toContain("按 Ctrl-C 停止");
  expect((await fetch(`http://127.0.0.1:${second.ports.health}/readyz`)).status).toBe(200);

  // What `npm run up` started killed outright (the bootstrap, not the launcher): the launcher's
  // own lifeline ends, and it stops the county as on Ctrl-C.
  second.proc.kill("SIGKILL");
  await eventually(async () => {
    const all = [launcher.pid, ...launcher.children.map((c) => c.pgid)];
    return all.some((p) => groupAlive(p) || (p === launcher.pid && running(p))) ? undefined : true;
  }, 30_000);
  expect(readFileSync(join(second.stateDir, "logs", "nats-server.log"), "utf8")).toContain(
    "Server Exiting",
  );
  for (const [name, port] of Object.entries(second.ports))
    expect(await listening(port), `${name} still listening on ${port}`).toBe(false);
}, 240_000);

it("a start that fails says which service and why, exits non-zero, and prints no banner", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-launcher-"));
  // Another program holds the port the commerce service is given.
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
  const port = (squatter.address() as { port: number }).port;
  writeFileSync(join(stateDir, "ports.json"), JSON.stringify({ commerce: port }));
  try {
    const failed = await refusedStart(stateDir);
    expect(failed.code).toBe(1);
    expect(failed.output).toContain(`启动失败：端口已被占用：${port}（commerce）`);
    expect(failed.output).not.toContain("按 Ctrl-C 停止");
  } finally {
    squatter.close();
  }
}, 120_000);
