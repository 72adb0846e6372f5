import { request } from "node:http";

/** What an HTTP call answered: its status and its body, read whole. */
export type HttpAnswer = { status: number; text: string };

/**
 * One HTTP request from the launcher (readiness probes, the demo's officers, the city's close of
 * the month), over node:http. Not undici: its 740 kB of source would stay compiled in the
 * launcher's heap for as long as the county runs (bench --only county, `county.idle_rss_mb`),
 * for a few dozen calls at start. `timeoutMs`: the whole call, answer included.
 */
export function httpCall(
  url: string,
  opts: {
    method?: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? "GET",
        headers: {
          ...opts.headers,
          ...(opts.body !== undefined ? { "content-length": Buffer.byteLength(opts.body) } : {}),
        },
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${url}: no answer within ${opts.timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}
