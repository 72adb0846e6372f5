// The office's HTTP API as the CLI calls it, and the one error that means "usage or connection".
import type { paths as OfficePaths } from "@liandong/contracts/generated/office-openapi";
import createClient from "openapi-fetch";

/** Bad usage or a service that cannot be reached: exit code 2, the usage printed. */
export class UsageError extends Error {}

/** The office's API, typed by its generated OpenAPI document; problems asked for in Chinese. */
export function officeClient(base: string, token?: string) {
  return createClient<OfficePaths>({
    baseUrl: base,
    headers: {
      "accept-language": "zh-CN",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
}

/** The answer's data, or a UsageError with the problem the office gave. */
export async function answer<T>(
  what: string,
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (err) {
    throw new UsageError(`${what}：无法连接（${(err as Error).cause ?? (err as Error).message}）`);
  }
  const { data, error, response } = result;
  if (!response.ok || data === undefined) {
    const p = (typeof error === "object" && error !== null ? error : {}) as {
      title?: string;
      detail?: string;
    };
    const detail = [p.title, p.detail].filter(Boolean).join("：") || String(error ?? "");
    throw new UsageError(`${what} 返回 ${response.status}：${detail}`);
  }
  return data;
}
