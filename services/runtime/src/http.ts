import { createHash } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Officer } from "@liandong/contracts";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { z } from "zod";
import { ProblemError, ValidationError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

export type HttpEnv = { Variables: { officer: Officer } };

const PROBLEM_BASE = "https://liandong.example/problems/";

function problemResponse(
  c: Context,
  status: number,
  code: string,
  title: string,
  extra: Record<string, unknown> = {},
) {
  return c.body(
    JSON.stringify({ type: PROBLEM_BASE + code, title, status, instance: c.req.path, ...extra }),
    status as 400,
    {
      "content-type": "application/problem+json",
    },
  );
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
    app.use(
      cors({
        origin: [...opts.webOrigins],
        allowMethods: ["GET", "POST"],
        allowHeaders: ["authorization", "content-type", "idempotency-key"],
        exposeHeaders: ["content-disposition"],
        maxAge: 600,
      }),
    );
  }
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || "unmatched";
    opts.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    opts.metrics.httpDuration.observe(
      { method: c.req.method, route },
      (performance.now() - started) / 1000,
    );
  });
  app.use(
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: (c) =>
        problemResponse(c, 413, "body-too-large", "请求体过大", {
          detail: `request body exceeds ${opts.maxBodyBytes} bytes`,
          errors: [{ field: "body", message: `at most ${opts.maxBodyBytes} bytes` }],
        }),
    }),
  );
  app.notFound((c) =>
    problemResponse(c, 404, "not-found", "未找到", { detail: `${c.req.method} ${c.req.path}` }),
  );
  app.onError((err, c) => {
    if (err instanceof ProblemError) {
      return problemResponse(c, err.status, err.code, err.message, {
        ...(err.detail ? { detail: err.detail } : {}),
        ...err.extra,
      });
    }
    if (err instanceof ValidationError) {
      return problemResponse(c, 422, err.code, "请求内容不符合要求", {
        detail: err.message,
        errors: err.issues,
      });
    }
    opts.logger.error({ err, path: c.req.path }, "unhandled error");
    return problemResponse(c, 500, "internal", "服务内部错误");
  });
  return app;
}

/** Reads and validates a JSON body: 415 when it is not JSON, 400 when it does not parse, 422 naming each bad field. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new ProblemError(
      415,
      "unsupported-media-type",
      "请求体须为 JSON",
      "expected content-type application/json",
      {
        errors: [{ field: "content-type", message: "must be application/json" }],
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch (cause) {
    throw new ProblemError(
      400,
      "malformed-json",
      "JSON 格式错误",
      String((cause as Error).message),
      {
        errors: [{ field: "body", message: "not valid JSON" }],
      },
    );
  }
  return validated(schema, raw, "invalid-body", "body");
}

/** Validates query parameters: 422 naming each bad parameter. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validated(schema, c.req.query(), "invalid-query", "query");
}

function validated<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  code: string,
  whole: string,
): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join(".") || whole,
    message: i.message,
  }));
  throw new ValidationError(code, issues.map((i) => `${i.field}: ${i.message}`).join("; "), issues);
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Bearer-token authentication. Only hashes of tokens are configured. No or unknown token:
 * 401. A known officer of another agency: 403 — an agency acts only as itself.
 */
export function officerAuth(
  officers: readonly Officer[],
  agency: string,
): MiddlewareHandler<HttpEnv> {
  const byHash = new Map(officers.map((o) => [o.tokenSha256, o]));
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const officer = m ? byHash.get(tokenHash(m[1]!)) : undefined;
    if (!officer) {
      c.header("www-authenticate", 'Bearer realm="liandong"');
      throw new ProblemError(
        401,
        "unauthenticated",
        "未登录或令牌无效",
        m ? "unknown token" : "missing bearer token",
      );
    }
    if (officer.agency !== agency) {
      throw new ProblemError(
        403,
        "forbidden",
        "无权以其他部门身份操作",
        `officer of ${officer.agency} at the ${agency} service`,
      );
    }
    c.set("officer", officer);
    await next();
  };
}

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
