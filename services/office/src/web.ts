// The web page (网页工作台), served by the office: one bundle built from web/ at start, the
// list of services the page may talk to, and strict headers. Officers of every agency log in
// with their own token; the page then talks to their own agency's service directly (the
// agencies allow the office's origin), so what an officer enters never passes through here.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type HttpEnv,
  hostnameOf,
  PAGE_BUNDLE,
  pageHeaders,
  renamed,
  type ServiceContext,
} from "@liandong/runtime";
import type { BuildOptions } from "esbuild";
import { type Context, Hono } from "hono";

const WEB = resolve(import.meta.dirname, "../web");
/** The page built ahead of time (deploy/build.mjs), beside the bundled office: the image's. */
const PREBUILT = resolve(import.meta.dirname, "web");

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>联动 · 打击“两非”联合执法协作平台</title>
<link rel="stylesheet" href="/ui/style.css">
</head>
<body>
<div id="app"><noscript>本页需要启用 JavaScript。</noscript></div>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`;

/** How the page is bundled: at the office's start from source, or ahead of time for the image. */
export const WEB_BUILD = {
  ...PAGE_BUNDLE,
  entryPoints: [resolve(WEB, "main.tsx")],
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: resolve(WEB, "tsconfig.json"),
} satisfies BuildOptions;
export const WEB_STYLE = resolve(WEB, "style.css");

/**
 * The page's script and style: built ahead of time when the office runs bundled (the image),
 * else bundled once from web/ (TypeScript and JSX); a broken page fails the office's start.
 * Held as bytes, as sent: the script as a string would be held two bytes a character (its
 * regular expressions' Chinese), 1.1 MB of the office's memory at rest for 0.55 MB of page.
 */
export async function bundleWebPage(): Promise<{
  script: Uint8Array<ArrayBuffer>;
  style: Uint8Array<ArrayBuffer>;
}> {
  if (existsSync(join(PREBUILT, "app.js")))
    return {
      script: readFileSync(join(PREBUILT, "app.js")),
      style: readFileSync(join(PREBUILT, "style.css")),
    };
  const { build } = await import("esbuild");
  const out = await build({ ...WEB_BUILD, write: false });
  return {
    script: new Uint8Array(out.outputFiles?.[0]?.contents ?? []),
    style: readFileSync(WEB_STYLE),
  };
}

/**
 * Where each service is, as the page opened by `hostname` should call it: a service on the
 * office's own host (the launcher's loopback ports) by that same name, so that a page opened
 * as `localhost` is not sent to `127.0.0.1`; a path (behind the county's reverse proxy) on the
 * page's own origin; the office itself the page's own origin ("").
 */
export function servicesFor(
  ctx: Pick<ServiceContext, "agency" | "config" | "env">,
  hostname: string | undefined,
): { code: string; name: string; shortName: string; url: string }[] {
  const urls = ctx.env.LIANDONG_SERVICE_URLS ?? {};
  const office = urls[ctx.agency];
  const officeHost = office && !office.startsWith("/") ? new URL(office).hostname : undefined;
  const seen = (url: string) =>
    hostname && officeHost && !url.startsWith("/") && new URL(url).hostname === officeHost
      ? renamed(url, hostname)
      : url;
  return ctx.config.agencies.flatMap((a) => {
    const url = a.code === ctx.agency ? "" : urls[a.code];
    return url === undefined
      ? []
      : [{ code: a.code, name: a.name, shortName: a.shortName, url: url && seen(url) }];
  });
}

/**
 * The page, its bundle and style, and the services it may talk to (all open: no token needed).
 * Its routes at once, the page bundled meanwhile: `built` settles once it is (the office's start
 * waits for it, and fails with a broken page), while the start reads its snapshot.
 */
export function webPage(ctx: ServiceContext): { routes: Hono<HttpEnv>; built: Promise<void> } {
  const app = new Hono<HttpEnv>();
  const bundled = bundleWebPage();
  const built = bundled.then(() => undefined);
  // Handled here, not lost: the start awaits it, and fails if the page could not be built.
  built.catch(() => {});
  const hostOf = (c: Context<HttpEnv>) => hostnameOf(c.req.header("host"));
  const headers = (c: Context<HttpEnv>) => {
    const elsewhere = [
      ...new Set(
        servicesFor(ctx, hostOf(c))
          .filter((s) => /^https?:/.test(s.url))
          .map((s) => new URL(s.url).origin),
      ),
    ];
    return pageHeaders([
      `connect-src 'self' ${elsewhere.join(" ")}`.trim(),
      "img-src 'self' data: blob:",
    ]);
  };
  const send = (c: Context<HttpEnv>, body: string | Uint8Array<ArrayBuffer>, type: string) =>
    c.body(body, 200, { ...headers(c), "content-type": type, "cache-control": "no-cache" });
  app.get("/", (c) => send(c, PAGE, "text/html; charset=utf-8"));
  app.get("/ui/app.js", async (c) =>
    send(c, (await bundled).script, "text/javascript; charset=utf-8"),
  );
  app.get("/ui/style.css", async (c) => send(c, (await bundled).style, "text/css; charset=utf-8"));
  app.get("/ui/config.json", (c) =>
    c.json({ county: ctx.county, services: servicesFor(ctx, hostOf(c)) }),
  );
  return { routes: app, built };
}
