// The region's link keeper for docker-compose.yml's `region` profile (service `region-sources`),
// running beside both counties for as long as they run, with each county's keeper identity
// (it may reconfigure the copies of what comes over a link, nothing else). Each county's
// REGION_IN_<neighbour> sources its neighbour's REGION_OUT stream, and its EVENTS sources that
// copy; nats-server retries a source that failed (the neighbour's stream
// not there yet, the link cut) on a back-off of 10 s, 20 s… up to 2 minutes. This restarts stuck
// sources at once instead (keepSourcesFlowing, as the county launcher does), so that a link that
// comes back carries its backlog within seconds. It says once when both counties receive from
// each other; a link down is not an error: both counties keep working on their own side.
import { join } from "node:path";
import { busTls, connectBus, keepSourcesFlowing, stuckSources } from "@liandong/runtime";
import type { NatsConnection } from "@nats-io/transport-node";

const counties = [
  {
    url: process.env.LIANDONG_NATS_URL,
    secrets: process.env.LIANDONG_SECRETS,
    tls: busTls(process.env),
  },
  {
    url: process.env.LIANDONG_NEIGHBOUR_NATS_URL,
    secrets: process.env.LIANDONG_NEIGHBOUR_SECRETS,
    tls: {},
  },
];
const say = (line: string) => process.stdout.write(`${line}\n`);

const connections: NatsConnection[] = [];
for (const c of counties) {
  if (!c.url || !c.secrets) {
    process.stderr.write(
      "需要 LIANDONG_NATS_URL、LIANDONG_SECRETS、LIANDONG_NEIGHBOUR_NATS_URL、LIANDONG_NEIGHBOUR_SECRETS\n",
    );
    process.exit(1);
  }
  connections.push(
    await connectBus({
      servers: c.url,
      agency: "keeper",
      seedFile: join(c.secrets, "keeper.nk"),
      ...c.tls,
    }),
  );
}

const keepers = connections.map((nc) =>
  keepSourcesFlowing(nc, {
    onError: (err) => process.stderr.write(`区域链路检查失败：${String(err)}\n`),
  }),
);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const k of keepers) k.stop();
  for (const nc of connections) await nc.drain().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// Until both counties receive from each other, say where the link stands now and then.
let waited = 0;
for (;;) {
  let stuck = 0;
  for (const nc of connections) stuck += await stuckSources(nc);
  if (stuck === 0) {
    say("区域链路已连通：两县互相接收对方发来的事件");
    break;
  }
  if (waited % 30 === 0)
    say(`区域链路尚未连通（${stuck} 个来源未就绪）：各县照常工作，链路恢复后积压事件按序补齐`);
  await new Promise((r) => setTimeout(r, 1000));
  waited++;
}
