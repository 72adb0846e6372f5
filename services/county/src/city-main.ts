// `npm run up -- --city [--demo] [--city-code 620700]`: a city's office and its counties on this
// machine (上下联动), from the region's configuration in deploy/city/hexi.json. Until Ctrl-C.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { countyFullName, reportingMonth } from "@liandong/contracts";
import { httpCall } from "@liandong/runtime";
import { startCity } from "./city.ts";
import { playDemo } from "./demo.ts";

type Hexi = {
  cities: { code: string; counties: string[] }[];
  city?: Record<string, unknown>;
  county?: Record<string, unknown>;
};

export async function runCity(o: {
  root: string;
  natsServer: string;
  demo: boolean;
  cityCode: string;
  say: (line: string) => void;
  failedStart: (err: unknown) => never;
  onStop: (stop: () => void) => void;
}): Promise<never> {
  const hexi = JSON.parse(
    readFileSync(join(o.root, "deploy", "city", "hexi.json"), "utf8"),
  ) as Hexi;
  const entry = hexi.cities.find((c) => c.code === o.cityCode);
  if (!entry) return o.failedStart(new Error(`deploy/city/hexi.json 中没有市 ${o.cityCode}`));
  o.say(
    `联动 · 正在启动市级办公室与所辖各县（上下联动，各自一套总线）：${countyFullName(entry.code)}…`,
  );
  const stateDir = join(o.root, ".liandong", `city-${entry.code}`);
  const city = await startCity({
    root: o.root,
    stateDir,
    city: entry.code,
    counties: entry.counties.map((county) => ({ ...hexi.county, county })),
    cityConfig: { city: { ...hexi.city } },
    natsServer: o.natsServer,
    ports: "fixed",
  }).catch(o.failedStart);
  o.say(
    `\n市：${countyFullName(entry.code)}    NATS：${city.city.natsUrl}    叶节点：${city.leafPort}`,
  );
  o.say(`  市领导小组办公室  ${city.city.urls["city-office"]}/`);
  for (const c of Object.values(city.counties)) {
    o.say(
      `\n县（市、区）：${c.config.county} ${countyFullName(c.config.county)}    NATS：${c.natsUrl}`,
    );
    for (const [agency, url] of Object.entries(c.urls)) o.say(`  ${agency}  ${url}`);
  }
  o.say(`\n各级令牌：${join(stateDir, "<代码>", "secrets", "tokens.json")}`);
  if (o.demo) {
    o.say("\n载入演示数据：首县的场景（scenarios.md），各县月报上报市里：");
    try {
      const [first] = Object.values(city.counties);
      if (first) for (const line of await playDemo(first.urls, first.tokens)) o.say(`  ${line}`);
      const month = reportingMonth(new Date());
      for (const c of Object.values(city.counties)) {
        const token = c.tokens.find((t) => t.officer === "office.liaison")?.token ?? "";
        const r = await httpCall(`${c.urls.office}/reports/${month}/close`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        o.say(
          `  ${c.config.county} 月报（${month}）上报市里：${r.status === 200 ? "已上报" : `失败 ${r.status}`}`,
        );
      }
    } catch (err) {
      o.say(`  演示数据载入失败：${String(err)}`);
    }
  }
  o.say("\n按 Ctrl-C 停止。");
  let stopping = false;
  o.onStop(() => {
    if (stopping) return;
    stopping = true;
    o.say("\n正在停止市与各县的服务…");
    city.stop().then(
      () => {
        o.say("已全部停止，数据已保存。");
        process.exit(0);
      },
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  return new Promise<never>(() => undefined);
}
