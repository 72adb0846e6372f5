import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { roleActor } from "@liandong/contracts";
import { connectBus } from "@liandong/runtime";
import { request } from "undici";
import { type RunningCounty, startCounty } from "../../services/county/src/county.ts";
import { natsServerBinary } from "./nats-server.ts";

export const ROOT = resolve(import.meta.dirname, "../..");

export type TestCounty = RunningCounty & {
  stateDir: string;
  /** An officer's HTTP client for one agency's service. */
  as(agency: string, role?: "liaison" | "supervisor" | "deputy"): Api;
  /** A connection with the admin identity, for inspecting streams as an auditor would. */
  admin(): ReturnType<typeof connectBus>;
  /** Moves every service's clock (the county's shared clock file) `ms` ahead of real time. */
  setClockOffset(ms: number): void;
  cleanup(): Promise<void>;
};

export type Reply<T = Record<string, unknown>> = { status: number; type: string; body: T };
export type Api = {
  token: string;
  url: string;
  get<T = Record<string, unknown>>(path: string): Promise<Reply<T>>;
  post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
  /** `close`: do not keep the connection (a server may close it after refusing an oversize body). */
  raw(path: string, init: RawInit): Promise<Reply>;
};

type RawInit = {
  method: "POST" | "GET" | "PUT" | "DELETE" | "PATCH";
  /** A stream: sent chunked (no content-length), as a client streaming its body would. */
  body?: string | Readable;
  headers?: Record<string, string>;
  close?: boolean;
};

export function api(url: string, token: string): Api {
  const raw = async (path: string, init: RawInit) => {
    const res = await request(`${url}${path}`, {
      method: init.method,
      reset: init.close ?? false,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const type = String(res.headers["content-type"] ?? "");
    const text = await res.body.text();
    return {
      status: res.statusCode,
      type,
      body: type.includes("json") && text ? JSON.parse(text) : { text },
    };
  };
  return {
    token,
    url,
    raw,
    get: (path) => raw(path, { method: "GET" }) as never,
    post: (path, body, headers = {}) =>
      raw(path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...headers },
      }) as never,
  };
}

/** A county bus in a box on free loopback ports, in a temporary folder: the real launcher, real processes. */
export async function startTestCounty(
  config: Record<string, unknown> = {},
  opts: { clusterNodes?: number; duplicateWindowMs?: number } = {},
): Promise<TestCounty> {
  const stateDir = mkdtempSync(join(tmpdir(), "liandong-county-"));
  const configFile = join(stateDir, "input.json");
  writeFileSync(configFile, JSON.stringify({ county: "441723", ...config }));
  const county = await startCounty({
    root: ROOT,
    stateDir,
    configFile,
    natsServer: natsServerBinary(),
    ports: "free",
    clockFile: join(stateDir, "clock-offset-ms"),
    ...(opts.clusterNodes ? { clusterNodes: opts.clusterNodes } : {}),
    ...(opts.duplicateWindowMs ? { duplicateWindowMs: opts.duplicateWindowMs } : {}),
  });
  return {
    ...county,
    stateDir,
    as(agency, role = "liaison") {
      const token = county.tokens.find((t) => t.officer === roleActor(agency, role))?.token;
      const url = county.urls[agency];
      if (!token || !url) throw new Error(`no ${role} of ${agency}`);
      return api(url, token);
    },
    setClockOffset(ms) {
      writeFileSync(join(stateDir, "clock-offset-ms"), String(ms));
    },
    admin: () => {
      const tls = county.tlsFor("admin");
      return connectBus({
        servers: county.natsUrl,
        agency: "admin",
        seedFile: join(stateDir, "secrets", "admin.nk"),
        ...(tls ? { tls } : {}),
      });
    },
    async cleanup() {
      await county.stop();
      if (!process.env.LIANDONG_KEEP_TEST_STATE) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** An officer's HTTP client for one agency of a running county. */
export function officerOf(
  county: RunningCounty,
  agency: string,
  role: "liaison" | "supervisor" | "deputy" = "liaison",
): Api {
  const token = county.tokens.find((t) => t.officer === roleActor(agency, role))?.token;
  const url = county.urls[agency];
  if (!token || !url) throw new Error(`no ${role} of ${agency}`);
  return api(url, token);
}

/**
 * Polls until `check` returns a value other than undefined: every 50 ms, or after as long as the
 * last check took if that was longer (a check that reads and verifies a whole log, or runs the
 * CLI, would otherwise take most of a core from the county it waits for).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    const v = await check();
    if (v !== undefined) return v;
    const now = Date.now();
    if (now > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, Math.min(Math.max(50, now - started), deadline - now)));
  }
}
