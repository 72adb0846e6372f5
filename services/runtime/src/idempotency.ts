import { createHash } from "node:crypto";
import { IdempotencyKey, problemLanguage } from "@liandong/contracts";
import type { Context } from "hono";
import { z } from "zod";
import { ValidationError } from "./errors.ts";
import { uuidFromName } from "./hash.ts";

/** The header as the OpenAPI document names it, and as a refusal names the field at fault. */
export const IDEMPOTENCY_KEY_FIELD = "Idempotency-Key";

const zhCN = z.locales.zhCN().localeError;

/**
 * The request's `Idempotency-Key` as the contract allows it (1 to 100 visible ASCII characters),
 * or undefined when none was sent; 422 naming the header otherwise. Every service's HTTP
 * boundary checks it on every request, so a route reading the header finds it valid.
 */
export function idempotencyKey(c: Context): string | undefined {
  const raw = c.req.header("idempotency-key");
  if (raw === undefined) return undefined;
  // Its field messages in the reader's language, as a body's are (zod's zh-CN unless English).
  const english = problemLanguage(c.req.header("accept-language")) === "en";
  const parsed = english
    ? IdempotencyKey.safeParse(raw)
    : IdempotencyKey.safeParse(raw, { error: zhCN });
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    "bad-idempotency-key",
    "Idempotency-Key: 1 to 100 visible ASCII characters",
    parsed.error.issues.map((i) => ({ field: IDEMPOTENCY_KEY_FIELD, message: i.message })),
  );
}

/**
 * The id of the step a request takes: derived from its `Idempotency-Key` within `scope` (what the
 * step is, on what, by whom), so that a retry names the same step and is known by it; a fresh id
 * for a request sent without one.
 */
export function requestStepId(c: Context, scope: string): string {
  const key = c.req.header("idempotency-key");
  return key ? uuidFromName(`${scope}:${key}`) : crypto.randomUUID();
}

/** JSON with every object's keys in order: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What makes two requests the same request: SHA-256 (hex) of the method, the path and the
 * canonical JSON of the body as validated (normalised, defaults filled in), so that spacing
 * or key order does not make a retry a different request.
 */
export function requestFingerprint(c: Context, body: unknown): string {
  return createHash("sha256")
    .update(`${c.req.method} ${c.req.path}\n${canonicalJson(body)}`)
    .digest("hex");
}

/** A result remembered under an idempotency key, with the fingerprint of the request that made it. */
export type Remembered<R> = { fingerprint: string; result: R };

/**
 * The remembered result, when this request is the one that made it (a retry); a key reused
 * with another request is refused, 422 naming the key, rather than answered with a result that
 * is not this request's.
 */
export function replayed<R>(remembered: Remembered<R>, fingerprint: string): R {
  if (remembered.fingerprint === fingerprint) return remembered.result;
  throw new ValidationError(
    "idempotency-key-reused",
    "Idempotency-Key was used for another request",
    [
      {
        field: IDEMPOTENCY_KEY_FIELD,
        message: "已用于另一个请求（请求内容不同）：新的请求请使用新的 Idempotency-Key",
      },
    ],
  );
}
