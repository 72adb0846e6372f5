// `pnpm up [--demo] [--cluster | --region [--neighbour <code>]]`: the county's bus in a box, until Ctrl-C.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type CountyConfig, countyFullName } from "@liandong/contracts";
import { watchLifeline } from "@liandong/runtime";
import { runCity } from "./city-main.ts";
import { startCounty } from "./county.ts";
import { playDemo, playRegionDemo } from "./demo.ts";
import { startRegion } from "./region.ts";

const root = resolve(import.meta.dirname, "../../..");
const { values } = parseArgs({
  options: {
    demo: { type: "boolean", default: false },
    config: { type: "string", default: join(root, "liandong.county.json") },
    "sync-always": { type: "boolean", default: false },
    /** Three nats-server nodes with R3 streams, as a county that outgrew one machine runs. */
    cluster: { type: "boolean", default: false },
    /** Two linked counties of one cooperation region (区域协作), each its own bus: S5's demo. */
    region: { type: "boolean", default: false },
    neighbour: { type: "string", default: "441702" },
    /** A city's office and its counties, each its own bus, linked up (上下联动), from deploy/city. */
    city: { type: "boolean", default: false },
    "city-code": { type: "string", default: "620700" },
  },
});

const out = (line: string) => process.stdout.write(`${line}\n`);
const say = (line: string) => out(`[联动] ${line}`);
/** The county as the banner names it: 441721 广东省阳江市阳西县. */
const named = (c: CountyConfig) => `${c.county} ${countyFullName(c.county, c.counties)}`;

/**
 * What stops the county: Ctrl-C, a supervisor's stop, a closed terminal, and the end of whatever
 * started the launcher (`npm run up`'s bootstrap, killed however: its lifeline). Before the county
 * is up, there is nothing to stop gracefully: the launcher exits, and takes what it started along.
 */
let stopRequested: (() => void) | undefined;
const requestStop = () => (stopRequested ? stopRequested() : process.exit(1));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, requestStop);
const lifeline = Number(process.env.LIANDONG_LIFELINE_FD);
watchLifeline(Number.isInteger(lifeline) ? lifeline : undefined, requestStop);
// `npm run up` runs the launcher in the bootstrap's own process, and npm does not pass a SIGTERM
// of its own on: when whatever started it is gone, stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) requestStop();
}, 1000).unref();

/** A start that failed: which service, and why, in the operator's words; a non-zero exit. */
function failedStart(err: unknown): never {
  process.stderr.write(
    `\n[联动] 启动失败：${err instanceof Error ? err.message : String(err)}\n已停止本次启动的全部进程。\n`,
  );
  process.exit(1);
}
const natsServer =
  process.env.LIANDONG_NATS_SERVER ?? join(root, ".liandong", "bin", "nats-server");
// A clustered county keeps its own data: its nodes' layout differs from a single server's.
const stateDir =
  process.env.LIANDONG_STATE_DIR ??
  join(root, ".liandong", values.cluster ? "county-cluster" : "county");
/** `free`: whatever ports are free (a second county beside a running one, tests). */
const ports = process.env.LIANDONG_PORTS === "free" ? "free" : "fixed";

if (values.region) await runRegion();
if (values.city)
  await runCity({
    root,
    natsServer,
    demo: values.demo,
    cityCode: values["city-code"],
    say: out,
    failedStart,
    onStop: (stop) => {
      stopRequested = stop;
    },
  });

out("联动 · 正在启动县级协作总线…");
const county = await startCounty({
  root,
  stateDir,
  configFile: values.config,
  natsServer,
  ports,
  syncAlways: values["sync-always"],
  ...(values.cluster ? { clusterNodes: 3 } : {}),
  say,
}).catch(failedStart);
const names = Object.fromEntries(county.config.agencies.map((a) => [a.code, a.name]));
out(
  `\n县（市、区）：${named(county.config)}    NATS：${county.natsUrl}${county.nodes.length > 1 ? `（${county.nodes.length} 节点集群，三副本；路由与客户端连接均为双向 TLS，证书：${join(stateDir, "secrets", "tls")}）` : "（仅本机回环 127.0.0.1，未加密；--cluster 与区域链路使用双向 TLS）"}    数据目录：${join(stateDir, "data")}`,
);
for (const [agency, url] of Object.entries(county.urls))
  out(`  ${names[agency] ?? agency}  ${url}`);
if (county.urls.office) out(`\n网页工作台（各部门与办公室登录）：${county.urls.office}/`);
out(
  `\n各部门联络员令牌：${join(stateDir, "secrets", "tokens.json")}    日志：${join(stateDir, "logs")}`,
);
if (values.demo) {
  out("\n载入演示数据（scenarios.md）：");
  try {
    for (const line of await playDemo(county.urls, county.tokens)) out(`  ${line}`);
  } catch (err) {
    out(`  演示数据载入失败：${String(err)}`);
  }
}
out("\n按 Ctrl-C 停止。");

let stopping = false;
stopRequested = () => {
  if (stopping) return;
  stopping = true;
  out("\n正在停止各服务…");
  county.stop().then(
    () => {
      out("已全部停止，数据已保存。");
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
};

/** `--region`: this county and a neighbour, linked; S5 played with `--demo`. Runs until Ctrl-C. */
async function runRegion(): Promise<never> {
  out("联动 · 正在启动区域协作演示（两个相邻县，各自一套总线）…");
  const region = await startRegion({
    root,
    stateDir: join(root, ".liandong", "region"),
    configFile: values.config,
    natsServer,
    ports: "fixed",
    syncAlways: values["sync-always"],
    neighbour: values.neighbour,
  }).catch(failedStart);
  for (const county of [region.home, region.neighbour]) {
    const names = Object.fromEntries(county.config.agencies.map((a) => [a.code, a.name]));
    out(`\n县（市、区）：${named(county.config)}    NATS：${county.natsUrl}（本机回环，未加密）`);
    for (const [agency, url] of Object.entries(county.urls))
      out(`  ${names[agency] ?? agency}  ${url}`);
    if (county.urls.office) out(`  网页工作台：${county.urls.office}/`);
  }
  out("\n两县之间的叶节点链路：双向 TLS（各县自己的证书颁发机构，只信任对方的）");
  out(`\n各县令牌：${join(root, ".liandong", "region", "<县代码>", "secrets", "tokens.json")}`);
  if (values.demo) {
    out("\n载入演示数据（scenarios.md，S5 跨两县）：");
    try {
      for (const line of await playDemo(region.home.urls, region.home.tokens)) out(`  ${line}`);
      const lines = await playRegionDemo(
        { county: region.home.config.county, urls: region.home.urls, tokens: region.home.tokens },
        {
          county: region.neighbour.config.county,
          urls: region.neighbour.urls,
          tokens: region.neighbour.tokens,
        },
      );
      for (const line of lines) out(`  ${line}`);
    } catch (err) {
      out(`  演示数据载入失败：${String(err)}`);
    }
  }
  out("\n按 Ctrl-C 停止。");
  let stopping = false;
  stopRequested = () => {
    if (stopping) return;
    stopping = true;
    out("\n正在停止两县的各服务…");
    region.stop().then(
      () => {
        out("已全部停止，数据已保存。");
        process.exit(0);
      },
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  return new Promise<never>(() => undefined);
}
