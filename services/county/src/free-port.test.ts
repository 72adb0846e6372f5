import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { expect, it } from "vitest";
import { claim, freePort } from "./free-port.ts";

/** A process of its own that claims a port and holds it until killed. */
async function otherProcessClaims() {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { freePort } = await import(${JSON.stringify(new URL("./free-port.ts", import.meta.url).href)});
       console.log(await freePort()); setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  return { port: Number(line.toString()), child };
}

it("never hands out a port another live process claimed; claims it once that process is gone", async () => {
  const other = await otherProcessClaims();
  expect(other.port).toBeGreaterThan(0);
  // Free to bind, and yet not ours: the other process means to bind it.
  expect(claim(other.port)).toBe(false);
  other.child.kill("SIGKILL");
  await once(other.child, "exit");
  expect(claim(other.port)).toBe(true);
});

it("hands out ports outside the kernel's ephemeral range, each once, free to bind", async () => {
  const ports = await Promise.all(Array.from({ length: 30 }, () => freePort()));
  expect(new Set(ports).size).toBe(30);
  const ephemeral = Number(
    readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
  );
  for (const port of ports) {
    expect(port).toBeLessThan(ephemeral);
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((r) => s.close(r));
  }
});
