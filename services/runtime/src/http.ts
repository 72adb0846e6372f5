import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type Officer,
  PROBLEM_BASE,
  PROBLEMS,
  type ProblemCode,
  problemLanguage,
} from "@liandong/contracts";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { matchedRoutes } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import { z } from "zod";
import { type FieldIssue, ProblemError, ValidationError, type Words, wordsIn } from "./errors.ts";
import { idempotencyKey } from "./idempotency.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Officers } from "./officers.ts";

export type HttpEnv = { Variables: { officer: Officer; maxBodyBytes: number; requestId: string } };

/** A request id a caller may send (`X-Request-Id`): short, and nothing a log line could be broken by. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

const PROBES = new Set(["/healthz", "/readyz", "/metrics"]);

/** The request's id: the caller's if it is a sane one, else a new one. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** zod's own Chinese messages for the fields of a request (English is zod's default). */
const zhCN = z.locales.zhCN().localeError;

/**
 * A problem as the catalogue has it, in the reader's language (`Accept-Language`; Chinese
 * unless English is preferred). `note`: the Chinese words of an older-form ProblemError,
 * more particular than the title, put before the detail for a Chinese reader.
 */
function problemResponse(
  c: Context,
  code: ProblemCode,
  opts: {
    status?: number;
    detail?: Words | undefined;
    note?: string | undefined;
    extra?: Record<string, unknown>;
  } = {},
) {
  const lang = problemLanguage(c.req.header("accept-language"));
  const entry = PROBLEMS[code];
  const status = opts.status ?? entry.status;
  const said = opts.detail === undefined ? undefined : wordsIn(opts.detail, lang);
  const detail = lang === "zh" ? [opts.note, said].filter(Boolean).join("：") : (said ?? opts.note);
  return c.body(
    JSON.stringify({
      type: PROBLEM_BASE + code,
      title: entry[lang],
      status,
      instance: c.req.path,
      ...(detail ? { detail } : {}),
      ...opts.extra,
    }),
    status as 400,
    {
      "content-type": "application/problem+json",
      "content-language": lang === "zh" ? "zh-CN" : "en",
      vary: "Accept-Language",
    },
  );
}

/**
 * How a service's page script is bundled (esbuild's options, but for its entry point and
 * tsconfig): the office's page and the city office's, at their start from sources or ahead of
 * time (services/county/build.mjs, which a test holds to the same).
 */
export const PAGE_BUNDLE = {
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  logLevel: "silent",
} as const;

/**
 * The strict headers of a service's page and its files: nothing but its own origin (and what
 * `allow` adds: `connect-src …`, `img-src …`), no plug-ins, no base, never framed, no sniffing,
 * no referrer.
 */
export function pageHeaders(allow: readonly string[] = []): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'self'",
      ...allow,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}

/** The host name of a Host header (`localhost:7101`, `[::1]:7101`), if it is one. */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * `url` as reached by another host name: the same scheme, port and path on `hostname` (the
 * name a browser opened the page by). The office gives its page the services' URLs this way
 * and the services accept the page's origin this way: one rule for both sides.
 */
export function renamed(url: string, hostname: string): string {
  const u = new URL(url);
  u.hostname = hostname;
  return url.endsWith("/") ? u.href : u.href.replace(/\/$/, "");
}

/**
 * An HTTP app with the runtime's boundary: errors rendered as problem+json, a body limit,
 * request metrics. Services add their routes to it.
 */
export function createHttpApp(opts: {
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes: number;
  /** Origins whose pages may call this service (the office's web page); none by default. */
  webOrigins?: readonly string[];
}): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  if (opts.webOrigins?.length) {
    const listed = [...opts.webOrigins];
    const allowWeb = cors({
      // A listed origin, or the same page opened by the name this request came by: an officer
      // who opened the office's page as `localhost` calls this service as `localhost` too.
      origin: (origin, c) => {
        const host = hostnameOf(c.req.header("host"));
        return listed.some((o) => o === origin || (host && renamed(o, host) === origin))
          ? origin
          : null;
      },
      allowMethods: ["GET", "POST"],
      allowHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
      exposeHeaders: ["content-disposition", "x-request-id"],
      maxAge: 600,
    });
    // A browser names the page's origin on every cross-origin request; officers' tools and the
    // other services send none and need no CORS headers (setting them on the response costs
    // every request). What varies with the origin is said up front, for caches.
    app.use((c, next) => {
      if (c.req.header("origin")) return allowWeb(c, next);
      c.header("vary", "Origin");
      return next();
    });
  }
  // One access line per request, with its id (also answered as `X-Request-Id`, so that an
  // officer's report of a failure can be found in the log). The path, never the query or body.
  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    await next();
    if (!c.res.headers.has("x-request-id")) {
      try {
        c.res.headers.set("x-request-id", requestId);
      } catch {
        // A response whose headers are fixed (rare): the log line still has the id.
      }
    }
    const route = c.req.routePath || "unmatched";
    const status = c.res.status;
    const ms = performance.now() - started;
    opts.metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    opts.metrics.httpDuration.observe({ method: c.req.method, route }, ms / 1000);
    // Probes come every few seconds: their lines only when asked for (`debug`).
    const level = PROBES.has(c.req.path) && status < 400 ? "debug" : "info";
    opts.logger[level](
      {
        reqId: requestId,
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        ms: Math.round(ms),
      },
      "request",
    );
  });
  // The body limit: a declared length is checked here, before anything else; a chunked body
  // is counted as `readJson` reads it. (Hono's bodyLimit builds a Web Request for every
  // request, body or not, and reads through its stream: about 100 µs and a longer tail each.)
  app.use(async (c, next) => {
    c.set("maxBodyBytes", opts.maxBodyBytes);
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) > opts.maxBodyBytes)
      throw bodyTooLarge(opts.maxBodyBytes);
    // A body that is there is JSON, whether or not the route reads it: a route whose body is
    // optional (an acceptance) must not take a form or a malformed text as if none were sent.
    // Read once here; `readJson` validates what was read.
    if (await carriesBody(c)) await jsonBody(c);
    idempotencyKey(c);
    await next();
  });
  app.notFound((c) => problemResponse(c, "not-found", { detail: `${c.req.method} ${c.req.path}` }));
  app.onError((err, c) => {
    if (err instanceof ProblemError) {
      const lang = problemLanguage(c.req.header("accept-language"));
      const errors = err.extra.errors as FieldIssue[] | undefined;
      return problemResponse(c, err.code, {
        status: err.status,
        detail: err.detail,
        note: err.note,
        extra: errors
          ? {
              ...err.extra,
              errors: errors.map((i) => ({ field: i.field, message: wordsIn(i.message, lang) })),
            }
          : err.extra,
      });
    }
    if (err instanceof ValidationError) {
      const lang = problemLanguage(c.req.header("accept-language"));
      return problemResponse(c, err.code, {
        detail: err.words,
        extra: {
          ...(err.refusal === undefined ? {} : { refusal: err.refusal }),
          errors: err.issues.map((i) => ({ field: i.field, message: wordsIn(i.message, lang) })),
        },
      });
    }
    opts.logger.error({ err, path: c.req.path, reqId: c.get("requestId") }, "unhandled error");
    return problemResponse(c, "internal");
  });
  return app;
}

function bodyTooLarge(max: number) {
  return new ProblemError(
    413,
    "body-too-large",
    "请求体过大",
    { zh: `请求体超过 ${max} 字节`, en: `request body exceeds ${max} bytes` },
    {
      errors: [
        { field: "body", message: { zh: `不超过 ${max} 字节`, en: `at most ${max} bytes` } },
      ],
    },
  );
}

/** How much of a chunked body past the limit is read and dropped before the 413. */
const DRAIN_BYTES = 4 * 1024 * 1024;

/**
 * The request body as text, within the app's limit. A body framed by its declared length
 * (checked on the way in; the HTTP parser reads no more) is read on the adapter's fast path;
 * a chunked one is counted as it comes and refused once it passes the limit.
 */
async function bodyText(c: Context): Promise<string> {
  if (
    c.req.header("content-length") !== undefined &&
    c.req.header("transfer-encoding") === undefined
  )
    return c.req.text();
  const max = (c as Context<HttpEnv>).get("maxBodyBytes");
  const body = c.req.raw.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (max !== undefined && size > max) {
      // Read (and drop) what is still coming, within reason, so that a client still sending
      // reads its 413 instead of a connection closed under it; past that, stop reading.
      let dropped = 0;
      while (dropped < DRAIN_BYTES) {
        const next = await reader.read();
        if (next.done) break;
        dropped += next.value.byteLength;
      }
      await reader.cancel();
      throw bodyTooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What `make` gives for a request, made once per request (`cache` holds it while it lives). */
function perRequest<T>(cache: WeakMap<Request, T>, c: Context, make: (c: Context) => T): T {
  let made = cache.get(c.req.raw);
  if (made === undefined) {
    made = make(c);
    cache.set(c.req.raw, made);
  }
  return made;
}

/** The body's text of each request, read once (by the boundary, or by the first `readJson`). */
const bodyTexts = new WeakMap<Request, Promise<string>>();
const bodyOnce = (c: Context) => perRequest(bodyTexts, c, bodyText);

/**
 * Whether the request carries a body. A declared length says so; a chunked body (or, in
 * process, one with no framing at all) is read to tell, so that an empty one counts as none.
 * The raw request's stream is touched only then: the adapter builds a Web Request for it.
 */
async function carriesBody(c: Context): Promise<boolean> {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return false;
  const declared = c.req.header("content-length");
  const chunked = c.req.header("transfer-encoding") !== undefined;
  if (declared !== undefined && !chunked) return Number(declared) > 0;
  if (!chunked && c.req.raw.body === null) return false;
  return (await bodyOnce(c)).length > 0;
}

/** The request's body parsed as JSON: 415 when it is not declared JSON, 400 when it does not parse. */
const jsonBody = (c: Context) => perRequest(parsedBodies, c, parseJsonBody);
const parsedBodies = new WeakMap<Request, Promise<unknown>>();

async function parseJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new ProblemError(
      415,
      "unsupported-media-type",
      "请求体须为 JSON",
      "expected content-type application/json",
      {
        errors: [
          {
            field: "content-type",
            message: { zh: "须为 application/json", en: "must be application/json" },
          },
        ],
      },
    );
  }
  const text = await bodyOnce(c);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ProblemError(
      400,
      "malformed-json",
      "JSON 格式错误",
      String((cause as Error).message),
      {
        errors: [{ field: "body", message: { zh: "不是有效的 JSON", en: "not valid JSON" } }],
      },
    );
  }
}

/** A list as every route answers one (`{ items, total }`): all of them, newest first by `at`. */
export function newestFirst<T>(items: T[], at: (item: T) => string): { items: T[]; total: number } {
  items.sort((a, b) => at(b).localeCompare(at(a)));
  return { items, total: items.length };
}

/** Reads and validates a JSON body: 415 when it is not JSON, 400 when it does not parse, 422 naming each bad field. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validated(c, schema, await jsonBody(c), "invalid-body", "body");
}

/** Validates query parameters: 422 naming each bad parameter. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validated(c, schema, c.req.query(), "invalid-query", "query");
}

/**
 * Each schema a route validates with, compiled on first use (`z.compile`: the same verdicts and
 * output without the interpreter; a value it refuses goes through the interpreter again, so the
 * issues and their messages are the schema's own).
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();
function compiledSchema<S extends z.ZodType>(schema: S): S {
  let compiled = compiledSchemas.get(schema);
  if (!compiled) {
    compiled = z.compile(schema);
    compiledSchemas.set(schema, compiled);
  }
  return compiled as S;
}

/** Field messages in the reader's language: zod's zh-CN locale unless English is asked for. */
function validated<S extends z.ZodType>(
  c: Context,
  given: S,
  raw: unknown,
  code: ProblemCode,
  whole: string,
): z.infer<S> {
  const schema = compiledSchema(given);
  const english = problemLanguage(c.req.header("accept-language")) === "en";
  const parsed = english ? schema.safeParse(raw) : schema.safeParse(raw, { error: zhCN });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join(".") || whole,
    message: i.message,
  }));
  throw new ValidationError(code, issues.map((i) => `${i.field}: ${i.message}`).join("; "), issues);
}

const REFUSED_TOKEN = {
  unknown: { code: "unauthenticated", zh: "未登录或令牌无效", en: "unknown token" },
  revoked: { code: "token-revoked", zh: "令牌已注销，请向办公室申请新的账号", en: "token revoked" },
  expired: { code: "token-expired", zh: "令牌已过期，请向办公室申请续期", en: "token expired" },
} as const;

/**
 * Bearer-token authentication against the county's officers (only hashes of tokens are kept).
 * No, unknown, revoked or expired token: 401 saying which, in every service. A valid officer of
 * another agency: 403 — an agency acts only as itself.
 */
export function officerAuth(officers: Officers, agency: string): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const found = m ? officers.authenticate(m[1]!) : undefined;
    if (!found?.ok) {
      c.header("www-authenticate", 'Bearer realm="liandong"');
      const why = REFUSED_TOKEN[found?.refused ?? "unknown"];
      throw new ProblemError(401, why.code, why.zh, m ? why.en : "missing bearer token");
    }
    const { officer } = found;
    if (officer.agency !== agency) {
      throw new ProblemError(403, "forbidden", "无权以其他部门身份操作", {
        zh: `${officer.agency} 的经办人不能在 ${agency} 的服务上操作`,
        en: `officer of ${officer.agency} at the ${agency} service`,
      });
    }
    c.set("officer", officer);
    await next();
  };
}

/**
 * Everything a service answers needs one of its officers, denied by default so that a route
 * added later cannot be left open: all but `openPaths` (the probes and metrics, a page, public
 * keys) and CORS preflights. Used before the features' sub-apps are mounted, it covers them all.
 */
export function officerGate(
  officers: Officers,
  agency: string,
  openPaths: ReadonlySet<string>,
): MiddlewareHandler<HttpEnv> {
  const auth = officerAuth(officers, agency);
  return (c, next) =>
    openPaths.has(c.req.path) || c.req.method === "OPTIONS" || !routed(c) ? next() : auth(c, next);
}

/**
 * Whether a route answers this request (a handler for its method and path, not only the
 * middleware every request passes): a path no route has is answered 404, whoever asks.
 */
const routed = (c: Context<HttpEnv>) => matchedRoutes(c).some((r) => r.method !== METHOD_NAME_ALL);

export type HttpServer = { url: string; port: number; close(): Promise<void> };

export function listen(app: Hono<HttpEnv>, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            const s = server as Server;
            s.close(() => {
              clearTimeout(cut);
              done();
            });
            s.closeIdleConnections();
            // Long polls and live feeds hold their connections open: given a moment to finish,
            // then cut (their clients reconnect to whichever instance serves next).
            const cut = setTimeout(() => s.closeAllConnections(), 1000);
          }),
      });
    }) as Server;
    server.once("error", reject);
  });
}
