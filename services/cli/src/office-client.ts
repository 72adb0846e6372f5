// The office's HTTP API as the CLI calls it, and the CLI's two kinds of error (README, 退出码).
import type { paths as OfficePaths } from "@liandong/contracts/generated/office-openapi";
import createClient from "openapi-fetch";

/** The command line asks for something it cannot mean: exit code 2, with a pointer to --help. */
export class UsageError extends Error {}

/**
 * What was asked could not be done: a service unreachable or answering with a problem, a file
 * that cannot be read or written, an identity without the right: exit code 3, no usage.
 */
export class CommandFailed extends Error {}

/**
 * The office's API, typed by its generated OpenAPI document; problems (and a trail's refusals)
 * asked for in Chinese, in English when the person asked for English (`--lang en`).
 */
export function officeClient(base: string, token?: string, lang: "zh" | "en" = "zh") {
  // A token goes in a header, which holds printable ASCII only: anything else was pasted wrong,
  // and is said so here rather than as a connection that failed.
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token))
    throw new UsageError(
      "令牌只含英文字母、数字和符号：给出的令牌含有空白、中文或其他字符，请检查是否复制完整（tokens.json 中 token 一项的值）",
    );
  return createClient<OfficePaths>({
    baseUrl: base,
    headers: {
      "accept-language": lang === "en" ? "en" : "zh-CN",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
}

/** The answer's data, or a CommandFailed with the problem the office gave. */
export async function answer<T>(
  what: string,
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (err) {
    throw new CommandFailed(
      `${what}：无法连接（${(err as Error).cause ?? (err as Error).message}）`,
    );
  }
  const { data, error, response } = result;
  if (!response.ok || data === undefined) {
    const p = (typeof error === "object" && error !== null ? error : {}) as {
      title?: string;
      detail?: string;
    };
    const detail = [p.title, p.detail].filter(Boolean).join("：") || String(error ?? "");
    throw new CommandFailed(`${what} 返回 ${response.status}：${detail}`);
  }
  return data;
}

/**
 * A refusal of the bus for the identity of `seed` (unknown to the servers, or without the
 * permission), said plainly: which seed the command needs. Anything else is passed on.
 */
export function seedRefused(err: unknown, seed: string, needs: string): unknown {
  const text = `${(err as Error)?.message ?? err} ${(err as { code?: string })?.code ?? ""}`;
  if (!/authori[sz]ation|permission|403|AUTHORIZATION_VIOLATION|PERMISSIONS_VIOLATION/i.test(text))
    return err;
  const given = seed.split(/[\\/]/).at(-1);
  return new CommandFailed(
    `种子 ${given} 无权执行此操作：需要 ${needs}（总线拒绝：${(err as Error)?.message ?? err}）`,
  );
}
