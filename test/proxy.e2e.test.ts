// The county's one HTTPS origin as docker-compose.yml runs it: Caddy with deploy/Caddyfile in
// front of the office and the agencies (its upstreams moved to the test county's loopback ports,
// nothing else changed), the office telling the page the paths of the compose file. In
// Chromium: the page over HTTPS, an agency's officer logs in through the proxy, and the
// officer's token never goes over plain HTTP.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ensureBuilt } from "../services/county/build.mjs";
import { freePort } from "../services/county/src/free-port.ts";
import { launchChromium } from "./support/browser.ts";
import { eventually, ROOT, startTestCounty, type TestCounty } from "./support/county.ts";

/** Caddy: LIANDONG_CADDY, or Debian's package (`npm test` installs it). */
const caddy =
  process.env.LIANDONG_CADDY ?? (existsSync("/usr/bin/caddy") ? "/usr/bin/caddy" : undefined);

describe.skipIf(!caddy)("the proxy (deploy/Caddyfile) in front of a county", () => {
  let county: TestCounty;
  let browser: Browser;
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "liandong-proxy-"));
  let origin = "";
  const said: string[] = [];

  const start = (args: string[], env: NodeJS.ProcessEnv, name: string) => {
    const p = spawn(args[0]!, args.slice(1), { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (d: Buffer) => said.push(`${name}: ${d}`.slice(0, 2000));
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    county = await startTestCounty();
    // The office as compose runs it: the page is told the proxy's paths (the compose file's).
    const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), {
      merge: true,
      maxAliasCount: 1000,
    }) as { services: Record<string, { environment: Record<string, string> }> };
    const officePort = await freePort();
    // Its bundle (`node dist/office.mjs` in compose): the county's build of the same entry.
    start(
      [process.execPath, join(await ensureBuilt(ROOT), "office.mjs")],
      {
        ...process.env,
        LIANDONG_AGENCY: "office",
        LIANDONG_NATS_URL: county.natsUrl,
        LIANDONG_NATS_SEED_FILE: join(county.stateDir, "secrets", "office.nk"),
        LIANDONG_HTTP_HOST: "127.0.0.1",
        LIANDONG_HTTP_PORT: String(officePort),
        LIANDONG_CONFIG: join(county.stateDir, "county.json"),
        LIANDONG_OFFICERS: join(county.stateDir, "secrets", "officers.json"),
        LIANDONG_SERVICE_URLS: compose.services.office!.environment.LIANDONG_SERVICE_URLS,
      },
      "office",
    );
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${officePort}/readyz`).then(
          (r) => r.ok || undefined,
          () => undefined,
        ),
      90_000,
    ).catch((e) => {
      throw new Error(`the office did not start: ${e}\n${said.join("")}`);
    });

    // deploy/Caddyfile with its upstreams on loopback and its ports free; nothing else changed.
    const https = await freePort();
    const http = await freePort();
    const loopback = (code: string) =>
      code === "office" ? `127.0.0.1:${officePort}` : new URL(county.urls[code]!).host;
    const conf = readFileSync(join(ROOT, "deploy/Caddyfile"), "utf8")
      .replace(
        /\{\$LIANDONG_UPSTREAM_PREFIX\}([\w-]+):\d+/g,
        (_, code: string) => `${loopback(code)}`,
      )
      .replace(/^\{$/m, `{\n\thttps_port ${https}\n\thttp_port ${http}`);
    expect(conf.replace(/#.*$/gm, "")).not.toContain("LIANDONG_UPSTREAM_PREFIX");
    const file = join(dir, "Caddyfile");
    writeFileSync(file, conf);
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
      LIANDONG_PUBLIC_HOST: "localhost",
    };
    const valid = spawnSync(caddy!, ["validate", "--config", file, "--adapter", "caddyfile"], {
      env,
      encoding: "utf8",
    });
    expect(valid.status, `caddy validate: ${valid.stderr}`).toBe(0);
    start([caddy!, "run", "--config", file, "--adapter", "caddyfile"], env, "caddy");
    origin = `https://localhost:${https}`;
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${http}/`, { redirect: "manual" }).then(
          (r) => r.status || undefined,
          () => undefined,
        ),
      30_000,
    ).catch((e) => {
      throw new Error(`caddy did not start: ${e}\n${said.join("")}`);
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) p.kill("SIGTERM");
    await county?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the page over HTTPS: an agency's officer logs in through the proxy, every call on the one origin", async () => {
    // The certificate is of Caddy's own authority, which this fresh browser does not trust.
    const context = await browser.newContext({ locale: "zh-CN", ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`${origin}/`);
    await page.getByTestId("login").locator("select[name=agency]").selectOption("health");
    const token = county.tokens.find((t) => t.officer === "health.liaison")!.token;
    await page.getByTestId("login").locator("input[name=token]").fill(token);
    await page.getByTestId("login").locator("button[type=submit]").click();
    await page
      .getByTestId("who")
      .filter({ hasText: "卫生健康部门" })
      .first()
      .waitFor()
      .catch((e) => {
        throw new Error(`${e}\n${said.join("")}`);
      });
    expect(requests).toContain(`${origin}/api/health/me`);
    expect(
      requests.filter((u) => !u.startsWith(`${origin}/`)),
      "nothing left the one origin",
    ).toEqual([]);
    await context.close();
  });

  it("plain HTTP gets only a redirect to HTTPS; a path under /api/ naming no agency gets 404", async () => {
    // Caddy's HTTP port (another one in the test): a redirect, nothing served, no token taken.
    const httpPort = readFileSync(join(dir, "Caddyfile"), "utf8").match(/http_port (\d+)/)![1];
    const r = await fetch(`http://localhost:${httpPort}/api/health/me`, { redirect: "manual" });
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toMatch(/^https:\/\/localhost/);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const res = await context.request.get(`${origin}/api/nobody/me`);
    expect(res.status()).toBe(404);
    await context.close();
  });
});
