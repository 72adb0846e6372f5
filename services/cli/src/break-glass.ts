// `liandong break-glass <action> --reason …`: the one way the break-glass identity is meant to
// be used. The use is put on the log first (the office records `break-glass.used`, sealed like
// any of its events); only once the office has answered is the action taken.
import { readFileSync } from "node:fs";
import {
  BREAK_GLASS_ACTION_LABELS,
  BreakGlassAction,
  CountyConfig,
  STREAMS,
  StreamName,
} from "@liandong/contracts";
import { connectBus, provisionCounty, signerFromSeed } from "@liandong/runtime";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { tlsOption } from "./bus-tls.ts";
import { answer, CommandFailed, officeClient, seedRefused, UsageError } from "./office-client.ts";
import { countyIn } from "./words.ts";

type Values = Record<string, string | boolean | undefined>;
/** What `BreakGlassUsed` says besides who and why, with no field present but undefined. */
type Planned = { action: BreakGlassAction; stream?: string; seq?: number; subject?: string };

/** What the command line asks for, checked before anything is recorded or done. */
function plan(positionals: string[], values: Values): Planned {
  const [name, ...args] = positionals;
  const action = BreakGlassAction.safeParse(name);
  if (!action.success)
    throw new UsageError(
      `紧急权限操作应为 ${BreakGlassAction.options.join("、")} 之一：${name ?? "（未给出）"}`,
    );
  const stream = (at: number) => {
    const s = StreamName.safeParse(args[at]);
    if (!s.success) throw new UsageError(`需要流名称：liandong break-glass ${action.data} <流>`);
    return s.data;
  };
  switch (action.data) {
    case "delete-stream":
      return { action: action.data, stream: stream(0) };
    case "purge-stream":
      return {
        action: action.data,
        stream: stream(0),
        ...(typeof values.subject === "string" ? { subject: values.subject } : {}),
      };
    case "delete-message": {
      const seq = Number(args[1]);
      if (!Number.isInteger(seq) || seq <= 0)
        throw new UsageError("需要消息序号：liandong break-glass delete-message <流> <序号>");
      return { action: action.data, stream: stream(0), seq };
    }
    case "provision":
      if (typeof values.config !== "string") throw new UsageError("需要 --config 县配置文件");
      return { action: action.data };
  }
}

/** Takes the action with the break-glass identity; what it did, in Chinese. */
async function act(nc: NatsConnection, p: Planned, values: Values): Promise<string> {
  const jsm = await jetstreamManager(nc);
  switch (p.action) {
    case "delete-stream":
      await jsm.streams.delete(p.stream!);
      return `已删除流 ${p.stream}`;
    case "purge-stream": {
      const r = await jsm.streams.purge(p.stream!, p.subject ? { filter: p.subject } : undefined);
      return `已清空流 ${p.stream}${p.subject ? ` 中主题 ${p.subject} 的消息` : ""}（${r.purged} 条）`;
    }
    case "delete-message":
      await jsm.streams.deleteMessage(p.stream!, p.seq!);
      return `已删除流 ${p.stream} 的第 ${p.seq} 条消息`;
    case "provision": {
      const parsed = CountyConfig.safeParse(
        JSON.parse(readFileSync(String(values.config), "utf8")),
      );
      if (!parsed.success) throw new CommandFailed(`县配置文件 ${values.config} 有误`);
      const config = parsed.data;
      await provisionCounty(nc, {
        county: config.county,
        agencies: config.agencies.map((a) => a.code),
        neighbours: config.region.neighbours,
        replicas: typeof values.replicas === "string" ? Number(values.replicas) : 1,
      });
      return `已把${countyIn(config.county)}的各流更新为本版本的配置`;
    }
  }
}

/** Whether the stream to act on is there: a use on a stream that is not is not recorded. */
async function checkTarget(nc: NatsConnection, p: Planned, seed: string): Promise<void> {
  if (!p.stream) return;
  try {
    await (await jetstreamManager(nc)).streams.info(p.stream);
  } catch (err) {
    const refused = seedRefused(err, seed, "break-glass.nk（紧急权限身份）");
    if (refused instanceof CommandFailed) throw refused;
    throw new CommandFailed(`流 ${p.stream} 不存在或无法读取（${String(err)}）`);
  }
}

export async function breakGlassCommand(positionals: string[], values: Values): Promise<number> {
  const planned = plan(positionals, values);
  const reason = typeof values.reason === "string" ? values.reason.trim() : "";
  if (reason.length < 4) throw new UsageError("需要 --reason 理由（至少 4 个字），它将记入日志");
  const token = typeof values.token === "string" ? values.token : process.env.LIANDONG_TOKEN;
  if (typeof values.office !== "string" || !token)
    throw new UsageError("需要 --office URL 与 --token 令牌（办公室分管领导）：先记入日志，再执行");
  if (typeof values.nats !== "string" || typeof values.seed !== "string")
    throw new UsageError("需要 --nats URL 与 --seed 紧急权限种子文件（break-glass.nk）");
  const key = signerFromSeed(readFileSync(values.seed, "utf8").trim()).publicKey;
  const nc = await connectBus({
    servers: values.nats,
    agency: "break-glass",
    seedFile: values.seed,
    name: "liandong-break-glass",
    waitOnFirstConnect: false,
    ...tlsOption(values),
  }).catch((err: unknown) => {
    throw seedRefused(err, values.seed as string, "break-glass.nk（紧急权限身份）");
  });
  try {
    await checkTarget(nc, planned, values.seed);
    const record = await answer(
      `${values.office}/audit/break-glass`,
      officeClient(values.office, token).POST("/audit/break-glass", {
        body: { ...planned, reason, key },
      }),
    );
    process.stdout.write(
      `已记入日志：${BREAK_GLASS_ACTION_LABELS[planned.action].zh}${planned.stream ? ` ${planned.stream}` : ""}，记录人 ${record.actor}，事件 ${record.eventId}（${STREAMS.events} 流序号 ${record.streamSeq}）\n`,
    );
    try {
      process.stdout.write(`${await act(nc, planned, values)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`已记入日志，但执行失败：${String(err)}\n`);
      return 1;
    }
  } finally {
    await nc.close();
  }
}
