import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { countyName, reportingMonth } from "@liandong/contracts";
import { type HttpEnv, PAGE_BUNDLE, pageHeaders, type ServiceContext } from "@liandong/runtime";
import type { BuildOptions } from "esbuild";
import { type Context, Hono } from "hono";

const WEB = resolve(import.meta.dirname, "../web");
/** The page's script built ahead of time (services/county/build.mjs), beside the bundled service. */
const PREBUILT = resolve(import.meta.dirname, "web", "city.js");

/** How the page's script is bundled: at the service's start from source, or ahead of time. */
export const CITY_WEB_BUILD = {
  ...PAGE_BUNDLE,
  entryPoints: [resolve(WEB, "main.ts")],
  tsconfig: resolve(WEB, "tsconfig.json"),
} satisfies BuildOptions;

/** The page's script: built ahead of time when bundled, else from web/ (a broken page fails the start). */
async function bundleCityScript(): Promise<string> {
  if (existsSync(PREBUILT)) return readFileSync(PREBUILT, "utf8");
  const { build } = await import("esbuild");
  const out = await build({ ...CITY_WEB_BUILD, write: false });
  return out.outputFiles?.[0]?.text ?? "";
}

/** Strict headers: the page loads nothing but its own script and talks to its own origin only. */
const HEADERS = {
  ...pageHeaders(["style-src 'self' 'unsafe-inline'"]),
  "cache-control": "no-cache",
};

/**
 * The city's page (市级工作台): its counties' reports by month with 合计 and the late, the major
 * cases reported and their acknowledgement, the orders issued and their answers. The page is a
 * shell; its script (web/main.ts, typed by the city office's OpenAPI document) asks for what it
 * shows with the officer's token, kept in the browser only.
 */
export async function cityPage(ctx: ServiceContext): Promise<Hono<HttpEnv>> {
  const app = new Hono<HttpEnv>();
  const script = await bundleCityScript();
  const title = `${countyName(ctx.county, ctx.config.counties)}打击“两非”专项行动领导小组办公室`;
  const send = (c: Context<HttpEnv>, body: string, type: string) =>
    c.body(body, 200, { ...HEADERS, "content-type": type });
  app.get("/", (c) =>
    send(
      c,
      `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>
body{font-family:"Noto Sans CJK SC",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.late{color:#b00}.ok{color:#070}
.scroll{overflow-x:auto;max-width:100%}#error{color:#b00}
@media (max-width:40rem){body{margin:.75rem}h1{font-size:1.2rem}input{max-width:100%}}
</style></head><body>
<h1>${title}</h1>
<p><label>令牌 <input id="token" type="password" size="40"></label>
<label>月份 <input id="month" value="${reportingMonth(ctx.clock())}" size="8"></label>
<button id="load">查看</button> <a id="csv" href="#">下载汇总表（CSV）</a></p>
<p id="error" role="alert"></p>
<h2>各县月报汇总</h2><p id="late"></p><div class="scroll"><table id="report" data-testid="report"></table></div>
<h2>重大案件通报</h2><div class="scroll"><table id="cases" data-testid="cases"></table></div>
<h2>督办</h2><div class="scroll"><table id="orders" data-testid="orders"></table></div>
<script type="module" src="/ui/city.js"></script>
</body></html>`,
      "text/html; charset=utf-8",
    ),
  );
  app.get("/ui/city.js", (c) => send(c, script, "text/javascript; charset=utf-8"));
  return app;
}
