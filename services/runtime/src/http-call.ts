import { request } from "node:http";

/** What an HTTP call answered: its status and its body, read whole. */
export type HttpAnswer = { status: number; text: string };

/**
 * One HTTP request over node:http: the launcher's (readiness probes, the demo's officers, the
 * city's close of the month) and the office's look at every service's readiness. Not undici, nor
 * the global fetch (undici inside Node): what they load stays in the process for as long as it
 * runs, for a few small calls (bench --only county, `county.idle_rss_mb`). Measured in a bare node
 * process, 20 calls to a local server: fetch +2.7 MB of heap and +19–34 MB resident (its HTTP
 * parser is WebAssembly), node:http +0.5 MB and +0.8 MB; undici's 740 kB of source bundled into
 * the launcher, 5 MB of its heap. `timeoutMs`: the socket's silence, answer included.
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
