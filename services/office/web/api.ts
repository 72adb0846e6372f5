// Talking to the services as the logged-in officer: each agency's own service, with the
// officer's own token. Nothing an officer enters passes through another agency's process.
import { signal } from "@preact/signals";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { components } from "../../../contracts/generated/openapi.d.ts";

export type ServiceInfo = { code: string; name: string; url: string };
export type UiConfig = { county: string; services: ServiceInfo[] };
export type Officer = components["schemas"]["OfficerSelf"];
export type Session = { token: string; base: string; officer: Officer };

export type Problem = {
  title?: string;
  detail?: string;
  status?: number;
  errors?: { field: string; message: string }[];
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join("；");
    super(
      [problem.title ?? `HTTP ${status}`, fields || problem.detail].filter(Boolean).join(" — "),
    );
  }
}

const STORED = "liandong.session";
const restored = sessionStorage.getItem(STORED);
export const session = signal<Session | undefined>(restored ? JSON.parse(restored) : undefined);

export async function login(service: ServiceInfo, token: string): Promise<Session> {
  const officer = await request<Officer>(service.url, token, "GET", "/me");
  const s = { token, base: service.url, officer };
  sessionStorage.setItem(STORED, JSON.stringify(s));
  session.value = s;
  return s;
}

export function logout() {
  sessionStorage.removeItem(STORED);
  session.value = undefined;
}

async function request<T>(
  base: string,
  token: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(method === "POST" ? { "idempotency-key": crypto.randomUUID() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = res.headers.get("content-type") ?? "";
  const payload = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok)
    throw new ApiError(
      res.status,
      typeof payload === "object" ? payload : { title: String(payload) },
    );
  return payload as T;
}

/** The logged-in officer's own service. */
export const api = {
  get: <T>(path: string) => {
    const s = session.value;
    if (!s) throw new Error("not logged in");
    return request<T>(s.base, s.token, "GET", path);
  },
  post: <T>(path: string, body: unknown) => {
    const s = session.value;
    if (!s) throw new Error("not logged in");
    return request<T>(s.base, s.token, "POST", path, body);
  },
  /** A file the service sends as an attachment, saved by the browser under its own name. */
  async download(path: string, fallbackName: string) {
    const s = session.value;
    if (!s) throw new Error("not logged in");
    const res = await fetch(s.base + path, { headers: { authorization: `Bearer ${s.token}` } });
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
    const name =
      /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

/**
 * Follows a live feed of the logged-in officer's own service (server-sent events, read with
 * fetch: a browser's EventSource cannot send the officer's token). `onEvent` for each event;
 * `onConnect` each time the feed is (re)connected, when whatever was missed should be loaded
 * again. Reconnects after a drop, waiting longer each time it fails. Returns the stop.
 */
export function follow(
  path: string,
  handlers: { onEvent: (data: string) => void; onConnect?: () => void },
): () => void {
  const stop = new AbortController();
  void (async () => {
    let wait = 1000;
    while (!stop.signal.aborted) {
      const s = session.value;
      if (!s) return;
      try {
        const res = await fetch(s.base + path, {
          headers: { authorization: `Bearer ${s.token}`, accept: "text/event-stream" },
          signal: stop.signal,
        });
        if (!res.ok || !res.body) throw new ApiError(res.status, {});
        wait = 1000;
        handlers.onConnect?.();
        const events = res.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream())
          .getReader();
        for (;;) {
          const { value, done } = await events.read();
          if (done) break;
          handlers.onEvent(value.data);
        }
      } catch {
        if (stop.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 30_000);
    }
  })();
  return () => stop.abort();
}

export type Page<T> = { items: T[]; total: number };
