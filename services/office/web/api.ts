// Talking to the services as the logged-in officer: each agency's own service, with the
// officer's own token. Nothing an officer enters passes through another agency's process.
// Every call goes through a client typed by the generated OpenAPI documents: a path, a
// parameter or a body the contract does not have is a compile error here.
import { signal } from "@preact/signals";
import { EventSourceParserStream } from "eventsource-parser/stream";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type {
  components as OfficeComponents,
  paths as OfficePaths,
} from "../../../contracts/generated/office-openapi.d.ts";
import type {
  components as AgencyComponents,
  paths as AgencyPaths,
} from "../../../contracts/generated/openapi.d.ts";

/** Schemas of an agency's service (the liaison desk). */
export type S = AgencyComponents["schemas"];
/** Schemas of the office's service. */
export type O = OfficeComponents["schemas"];
export type UiConfig = O["UiConfig"];
export type ServiceInfo = UiConfig["services"][number];
export type Officer = S["OfficerSelf"];
export type Session = { token: string; base: string; officer: Officer };
export type Problem = S["Problem"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
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

/** The page's language, for the problems the services write (set by i18n.ts). */
let acceptLanguage = "zh-CN";
export const setAcceptLanguage = (value: string) => {
  acceptLanguage = value;
};

/**
 * The officer's token on every request; on every POST the Idempotency-Key of the form being
 * sent (`key`: one per filling of a form, so that a second click or a retry is the same step),
 * else a fresh one.
 */
const as = (token: string, key?: string): Middleware => ({
  onRequest({ request }) {
    request.headers.set("authorization", `Bearer ${token}`);
    request.headers.set("accept-language", acceptLanguage);
    if (request.method === "POST")
      request.headers.set("idempotency-key", key ?? crypto.randomUUID());
    return request;
  },
});

/** A service the page could not reach at all (down, or no route to it): which one, and where. */
export class Unreachable extends Error {
  constructor(
    readonly service: string,
    readonly url: string,
  ) {
    super(`${service}: ${url}`);
  }
}

/** The agency whose service is at `base` (set at load from the page's configuration). */
const serviceAt = new Map<string, string>();
export const setServices = (services: readonly ServiceInfo[]) => {
  for (const s of services) serviceAt.set(s.url, s.code);
};

function client<P extends {}>(base: string, token: string, key?: string): Client<P> {
  // An empty base is the page's own origin (the office); a path is on the page's own origin
  // too (behind the county's reverse proxy).
  const baseUrl = new URL(base || "/", location.origin).href.replace(/\/$/, "");
  const c = createClient<P>({ baseUrl });
  c.use(as(token, key));
  c.use({
    onError({ error }) {
      if (error instanceof DOMException && error.name === "AbortError") return;
      return new Unreachable(serviceAt.get(base) ?? base, baseUrl);
    },
  });
  return c;
}

function current(): Session {
  const s = session.value;
  if (!s) throw new Error("not logged in");
  return s;
}

/** The logged-in officer's own agency service (`key`: the Idempotency-Key of a form's POST). */
export const agencyApi = (key?: string) =>
  client<AgencyPaths>(current().base, current().token, key);
/** The office's service, for the office's officers. */
export const officeApi = (key?: string) =>
  client<OfficePaths>(current().base, current().token, key);

/** The answer's data, or its problem as an ApiError. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined)
    throw new ApiError(
      response.status,
      typeof error === "object" && error !== null ? error : { title: String(error ?? "") },
    );
  return data;
}

export async function login(service: ServiceInfo, token: string): Promise<Session> {
  const officer = await ok(client<AgencyPaths>(service.url, token).GET("/me"));
  const s = { token, base: service.url, officer };
  sessionStorage.setItem(STORED, JSON.stringify(s));
  session.value = s;
  return s;
}

export function logout() {
  sessionStorage.removeItem(STORED);
  session.value = undefined;
}

/** The county's monthly report as a file the browser saves under the name the office gives. */
export async function downloadReport(month: string, ext: "csv" | "json") {
  const path = ext === "csv" ? "/reports/{month}.csv" : "/reports/{month}.json";
  const { data, error, response } = await officeApi().GET(path, {
    params: { path: { month } },
    parseAs: "blob",
  });
  if (!response.ok || !data) throw new ApiError(response.status, error ?? {});
  const name =
    /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ??
    `report-${month}.${ext}`;
  const url = URL.createObjectURL(data);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

type FeedHandlers = { onEvent: (data: string) => void; onConnect?: () => void };

/** Follows the live feed of the logged-in officer's referrals (移交动态): see `follow`. */
export const followReferrals = (query: { waiting?: boolean }, handlers: FeedHandlers) =>
  follow(
    (signal) =>
      agencyApi().GET("/referrals/feed", {
        params: { query },
        headers: { accept: "text/event-stream" },
        parseAs: "stream",
        signal,
      }),
    handlers,
  );

/** Follows the live feed of the leads shared with the officer's agency (线索动态): see `follow`. */
export const followInbox = (handlers: FeedHandlers) =>
  follow(
    (signal) =>
      agencyApi().GET("/inbox/feed", {
        headers: { accept: "text/event-stream" },
        parseAs: "stream",
        signal,
      }),
    handlers,
  );

/**
 * Follows a live feed of the officer's agency (server-sent events, read with fetch: a browser's
 * EventSource cannot send the officer's token). `onEvent` for each event; `onConnect` each time
 * the feed is (re)connected, when whatever was missed should be loaded again. Reconnects after a
 * drop, waiting longer each time it fails. Returns the stop.
 */
function follow(
  open: (
    signal: AbortSignal,
  ) => Promise<{ data?: Response["body"] | undefined; response: Response }>,
  handlers: FeedHandlers,
): () => void {
  const stop = new AbortController();
  void (async () => {
    let wait = 1000;
    while (!stop.signal.aborted) {
      if (!session.value) return;
      try {
        const { data, response } = await open(stop.signal);
        if (!response.ok || !data) throw new ApiError(response.status, {});
        wait = 1000;
        handlers.onConnect?.();
        const events = data
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
