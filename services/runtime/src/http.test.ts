import { createHash } from "node:crypto";
import type { Officer } from "@liandong/contracts";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createHttpApp, type HttpEnv, officerGate, readJson } from "./http.ts";
import { canonicalJson, idempotencyKey, replayed, requestFingerprint } from "./idempotency.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

function app() {
  const a = createHttpApp({
    logger: createLogger("test", "silent"),
    metrics: createMetrics(`test_${crypto.randomUUID().slice(0, 8)}`),
    maxBodyBytes: 1000,
  });
  const seen: unknown[] = [];
  // A step whose body is optional: it never reads one.
  a.post("/referrals/:id/acceptance", (c) => {
    seen.push(c.req.param("id"));
    return c.json({ accepted: true, key: idempotencyKey(c) ?? null });
  });
  a.post("/things", async (c) => {
    const body = await readJson(c, z.object({ name: z.string() }));
    return c.json({ body, fingerprint: requestFingerprint(c, body) });
  });
  return { a, seen };
}

const problem = async (r: Response) => ({
  status: r.status,
  type: r.headers.get("content-type"),
  body: (await r.json()) as { errors?: { field: string }[] },
});

describe("a route whose body is optional", () => {
  it("takes no body, or a JSON one", async () => {
    const { a, seen } = app();
    expect((await a.request("/referrals/1/acceptance", { method: "POST" })).status).toBe(200);
    const json = await a.request("/referrals/2/acceptance", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(json.status).toBe(200);
    expect(seen).toEqual(["1", "2"]);
  });

  it("refuses a body that is not JSON (415) or does not parse (400), and does nothing", async () => {
    const { a, seen } = app();
    const form = await problem(
      await a.request("/referrals/1/acceptance", {
        method: "POST",
        body: "accept=yes",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(form).toMatchObject({
      status: 415,
      type: "application/problem+json",
      body: { errors: [{ field: "content-type" }] },
    });
    const untyped = await a.request("/referrals/1/acceptance", { method: "POST", body: "yes" });
    expect(untyped.status).toBe(415);
    const broken = await problem(
      await a.request("/referrals/1/acceptance", {
        method: "POST",
        body: "{nope",
        headers: { "content-type": "application/json" },
      }),
    );
    expect(broken).toMatchObject({ status: 400, body: { errors: [{ field: "body" }] } });
    expect(seen).toEqual([]);
  });
});

describe("readJson", () => {
  it("validates the body read once by the boundary", async () => {
    const { a } = app();
    const r = await a.request("/things", {
      method: "POST",
      body: JSON.stringify({ name: "x" }),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { body: unknown }).body).toEqual({ name: "x" });
    const bad = await a.request("/things", {
      method: "POST",
      body: JSON.stringify({ name: 1 }),
      headers: { "content-type": "application/json" },
    });
    expect(await problem(bad)).toMatchObject({
      status: 422,
      body: { errors: [{ field: "name" }] },
    });
  });

  it("still wants a JSON body where one is required", async () => {
    const { a } = app();
    expect((await a.request("/things", { method: "POST" })).status).toBe(415);
  });
});

describe("Idempotency-Key", () => {
  it("is checked on every route: over 100 characters, or not visible ASCII, 422 naming it", async () => {
    const { a, seen } = app();
    for (const key of ["k".repeat(101), "é", "a b", "", "tab\there"]) {
      const r = await problem(
        await a.request("/referrals/1/acceptance", {
          method: "POST",
          headers: { "idempotency-key": key },
        }),
      );
      expect(r, JSON.stringify(key)).toMatchObject({
        status: 422,
        type: "application/problem+json",
        body: { errors: [{ field: "Idempotency-Key" }] },
      });
    }
    expect(seen).toEqual([]);
    const ok = await a.request("/referrals/1/acceptance", {
      method: "POST",
      headers: { "idempotency-key": "k".repeat(100) },
    });
    expect(await ok.json()).toEqual({ accepted: true, key: "k".repeat(100) });
  });

  it("a retry is the same request whatever its spacing or key order; another body is not", async () => {
    const { a } = app();
    const fingerprint = async (body: string, path = "/things") =>
      (
        (await (
          await a.request(path, {
            method: "POST",
            body,
            headers: { "content-type": "application/json" },
          })
        ).json()) as { fingerprint: string }
      ).fingerprint;
    const first = await fingerprint('{"name":"x"}');
    expect(await fingerprint('{ "name" : "x" }')).toBe(first);
    expect(await fingerprint('{"name":"y"}')).not.toBe(first);
    expect(replayed({ fingerprint: first, result: 1 }, first)).toBe(1);
    expect(() => replayed({ fingerprint: first, result: 1 }, "other")).toThrow(
      expect.objectContaining({
        code: "idempotency-key-reused",
        issues: [expect.objectContaining({ field: "Idempotency-Key" })],
      }),
    );
  });

  it("canonical JSON sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, e: "é" })).toBe(
      '{"b":[{"c":2,"d":1}],"e":"é"}',
    );
  });
});

describe("the officers' gate", () => {
  const token = "a-token-of-health";
  const gated = () => {
    const a = createHttpApp({
      logger: createLogger("test", "silent"),
      metrics: createMetrics(`test_${crypto.randomUUID().slice(0, 8)}`),
      maxBodyBytes: 1000,
    });
    const officer: Officer = {
      id: "health.liaison",
      agency: "health",
      name: "卫健联络员",
      tokenSha256: createHash("sha256").update(token).digest("hex"),
      supervisor: false,
    };
    a.use("*", officerGate([officer], "health", new Set(["/healthz"])));
    const feature = new Hono<HttpEnv>();
    feature.get("/leads", (c) => c.json({ officer: c.get("officer").id }));
    a.route("/", feature);
    a.get("/healthz", (c) => c.text("ok"));
    return a;
  };

  it("answers a path no route has 404 whoever asks, and a route's path 401 without a token", async () => {
    const a = gated();
    expect((await a.request("/no-such-path")).status).toBe(404);
    expect((await a.request("/leads/no/such")).status).toBe(404);
    expect((await a.request("/leads")).status).toBe(401);
    expect((await a.request("/leads", { method: "DELETE" })).status).toBe(404);
    expect((await a.request("/healthz")).status).toBe(200);
    const mine = await a.request("/leads", { headers: { authorization: `Bearer ${token}` } });
    expect(await mine.json()).toEqual({ officer: "health.liaison" });
  });
});
