// `liandong certs rotate`: a county's certificate authority replaced without downtime (README,
// 传输加密 TLS › 轮换). Three runs, one step each: the new CA trusted beside the old; every
// certificate issued again by the new one; the old one retired. After each, the county's
// nats-servers reload (SIGHUP: their connections stay up), so that no link or route is cut.
import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RotationStep, rotateStep, tlsDir } from "@liandong/county/certs";
import { CommandFailed, UsageError } from "./office-client.ts";
import { countyIn } from "./words.ts";

type Values = Record<string, string | boolean | undefined>;

const NEXT_STEP: Record<RotationStep, string> = {
  [RotationStep.trusting]:
    "第 1 步（共 3 步）已完成：新证书颁发机构已生成，与旧机构一并受信任（tls/trust.pem）。\n" +
    "请把 tls/trust.pem 交给各邻县，待其更新对本县的信任并重新加载后，再运行本命令。",
  [RotationStep.switched]:
    "第 2 步（共 3 步）已完成：本县全部证书已由新机构重新签发，新旧机构仍一并受信任。\n" +
    "各节点与各服务用上新证书后（节点已通知重新加载；服务在重连时读取），再运行本命令停用旧机构。",
  [RotationStep.idle]:
    "第 3 步（共 3 步）已完成：旧证书颁发机构已停用，只信任新机构。轮换完成。\n" +
    "请把新的 tls/trust.pem 交给各邻县，替换其中本县的旧机构。",
};

/** The county a CA was made for: its subject says (`OU=county 441723`). */
function countyOf(secrets: string): string {
  const ca = join(tlsDir(secrets), "ca.crt");
  if (!existsSync(ca)) throw new CommandFailed(`${secrets} 中没有本县的证书颁发机构（tls/ca.crt）`);
  const m = /OU=county (\d{6})/.exec(new X509Certificate(readFileSync(ca)).subject);
  if (!m) throw new CommandFailed(`${ca} 不是联动生成的县证书颁发机构`);
  return m[1]!;
}

/** nats-server process ids: the pid files the launcher's nodes write into the state folder. */
function pidsIn(state: string): number[] {
  return readdirSync(state)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => Number(readFileSync(join(state, f), "utf8").trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

export async function certsCommand(positionals: string[], values: Values): Promise<number> {
  const [action] = positionals;
  if (action !== "rotate") throw new UsageError(`未知操作：${action ?? "（无）"}（可用：rotate）`);
  const state = typeof values.state === "string" ? values.state : undefined;
  const secrets =
    typeof values.secrets === "string"
      ? values.secrets
      : state
        ? join(state, "secrets")
        : undefined;
  if (!secrets)
    throw new UsageError("需要 --state 县数据目录（npm run up 的），或 --secrets 密钥目录");
  const county = countyOf(secrets);
  const after = await rotateStep(secrets, county);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`${countyIn(county)}：${NEXT_STEP[after]}`);
  if (state) {
    const reloaded: number[] = [];
    for (const pid of pidsIn(state)) {
      try {
        process.kill(pid, "SIGHUP");
        reloaded.push(pid);
      } catch {
        // A node not running: it reads the new files when it starts.
      }
    }
    out(
      reloaded.length > 0
        ? `已通知 ${reloaded.length} 个 nats-server 重新加载证书（连接不断开）。`
        : "未发现运行中的 nats-server：启动时即读取新证书。",
    );
  } else {
    out("请让本县各节点重新加载（docker compose kill -s HUP nats-1 nats-2 nats-3；连接不断开）。");
  }
  return 0;
}
