// The main command (`npm run up`) stops the county as cleanly on a signal sent to it alone — a
// supervisor's SIGTERM, a closed terminal's SIGHUP — as on Ctrl-C, and leaves nothing running.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ROOT } from "./support/county.ts";

const started: { proc: ChildProcess; stateDir: string }[] = [];

afterEach(async () => {
  for (const { proc, stateDir } of started.splice(0)) {
    // Left running by a failed test: stopped as a user would, killed if that does not work.
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, "exit");
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 30_000);

/** The main command, directly or through npm (`npm run up`), until it says it is up. */
async function up(via: "node" | "npm" = "node") {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-launcher-"));
  const [cmd, args] =
    via === "npm"
      ? ["npm", ["run", "--silent", "up"]]
      : [process.execPath, ["services/county/bootstrap.mjs", "up"]];
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, LIANDONG_STATE_DIR: stateDir, LIANDONG_PORTS: "free" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push({ proc, stateDir });
  let output = "";
  proc.stdout!.on("data", (b: Buffer) => {
    output += b.toString();
  });
  proc.stderr!.on("data", (b: Buffer) => {
    output += b.toString();
  });
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
  return { proc, ports, output: () => output };
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
