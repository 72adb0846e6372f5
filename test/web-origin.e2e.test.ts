// The page opened by another name than the launcher's (`localhost`, not `127.0.0.1`): an
// agency's officer logs in and works with their own service, in Chromium, against a running
// county; and when that service is gone, the page says whose service it cannot reach.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium, loginPage } from "./support/browser.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
let browser: Browser;
const token = (agency: string) =>
  county.tokens.find((t) => t.officer === `${agency}.liaison`)!.token;
/** The office's URL as the launcher gives it (127.0.0.1), opened as `localhost`. */
const byName = (url: string) => {
  const u = new URL(url);
  expect(u.hostname).toBe("127.0.0.1");
  u.hostname = "localhost";
  return u.origin;
};

beforeAll(async () => {
  county = await startTestCounty();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await county?.cleanup();
});

it("an agency's officer logs in on the page opened as localhost and reads their own service", async () => {
  const office = byName(county.urls.office!);
  const page = await loginPage(browser, office, "health", token("health"));
  await page.getByTestId("who").filter({ hasText: "卫生健康部门" }).first().waitFor();
  // The page called health's service by the name it was opened by, and nothing failed.
  const config = await page.evaluate(() => fetch("/ui/config.json").then((r) => r.json()));
  const health = (config as { services: { code: string; url: string }[] }).services.find(
    (s) => s.code === "health",
  );
  expect(health?.url).toBe(byName(county.urls.health!));
  await page.locator("nav.tabs").getByRole("button", { name: "本部门线索" }).click();
  await page.getByTestId("my-leads").or(page.getByText("暂无")).first().waitFor();
  expect(await page.getByRole("alert").count()).toBe(0);
  await page.context().close();
});

it("a service answers a page of another origin without its CORS header: not ours", async () => {
  const health = county.urls.health!;
  const ask = (origin: string) =>
    fetch(`${health}/readyz`, { headers: { origin } }).then((r) =>
      r.headers.get("access-control-allow-origin"),
    );
  const port = new URL(county.urls.office!).port;
  expect(await ask(`http://127.0.0.1:${port}`)).toBe(`http://127.0.0.1:${port}`);
  // Another site, or the office's port by a name this request did not come by: refused.
  expect(await ask("http://example.org")).toBeNull();
  expect(await ask(`http://localhost:${port}`)).toBeNull();
  expect(await ask(`http://localhost:${Number(port) + 1}`)).toBeNull();
});

it("when an agency's service cannot be reached, the page says whose", async () => {
  const office = byName(county.urls.office!);
  const context = await browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(`${office}/`);
  await page.getByTestId("login").locator("select[name=agency]").selectOption("commerce");
  // The commerce service is gone (killed), the office and the page are not. Its port is taken
  // at once by a listener that drops every connection, so that the launcher's restart of the
  // service cannot bring it back while the page tries it.
  const port = Number(new URL(county.urls.commerce!).port);
  process.kill(listenerPid(port), "SIGKILL");
  const dropper = createServer((socket) => socket.destroy());
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        dropper.once("error", () => resolve(undefined));
        dropper.listen(port, "127.0.0.1", () => resolve(true));
      }),
  );
  await page.getByTestId("login").locator("input[name=token]").fill(token("commerce"));
  await page.getByTestId("login").locator("button[type=submit]").click();
  const alert = page.getByTestId("login").getByRole("alert");
  await alert.waitFor();
  const said = (await alert.textContent()) ?? "";
  expect(said).toContain("无法连接");
  expect(said).toContain("工商行政管理部门（市场监管）");
  expect(said).toContain(byName(county.urls.commerce!));
  expect(said).not.toContain("Failed to fetch");
  await context.close();
  await new Promise((resolve) => dropper.close(resolve));
});

/** The process listening on a loopback TCP port (Linux: /proc), so that the test can kill it. */
function listenerPid(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"])
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, state 0A (listening), inode
      if (f[1]?.endsWith(`:${hex}`) && f[3] === "0A" && f[9]) inodes.add(f[9]);
    }
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {}
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}
