// One-shot for docker-compose.yml's `region` profile, once both counties are provisioned: each
// county's EVENTS sources its neighbour's REGION_OUT stream, and whichever county was provisioned
// first found that stream missing and retries on a back-off that grows to minutes. This starts
// the failed sources of both counties again (as startRegion does), until both are flowing or a
// minute has passed. A link still down is not an error: the sources keep retrying by themselves
// and catch up once it returns.
import { join } from "node:path";
import { connectBus, restartFailedSources } from "@liandong/runtime";
import type { NatsConnection } from "@nats-io/transport-node";

const counties = [
  { url: process.env.LIANDONG_NATS_URL, secrets: process.env.LIANDONG_SECRETS },
  { url: process.env.LIANDONG_NEIGHBOUR_NATS_URL, secrets: process.env.LIANDONG_NEIGHBOUR_SECRETS },
];
const waitMs = Number(process.env.LIANDONG_LINK_WAIT_SECONDS ?? "60") * 1000;

const connections: NatsConnection[] = [];
for (const c of counties) {
  if (!c.url || !c.secrets) {
    process.stderr.write(
      "需要 LIANDONG_NATS_URL、LIANDONG_SECRETS、LIANDONG_NEIGHBOUR_NATS_URL、LIANDONG_NEIGHBOUR_SECRETS\n",
    );
    process.exit(1);
  }
  connections.push(
    await connectBus({ servers: c.url, agency: "admin", seedFile: join(c.secrets, "admin.nk") }),
  );
}

const deadline = Date.now() + waitMs;
let failing = 0;
for (;;) {
  failing = 0;
  for (const nc of connections) failing += await restartFailedSources(nc);
  if (failing === 0 || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 3000));
}
for (const nc of connections) await nc.drain();
process.stdout.write(
  failing === 0
    ? "区域链路已连通：两县互相接收对方发来的事件\n"
    : `区域链路尚未连通（${failing} 个来源未就绪）：各县照常工作，链路恢复后积压事件按序补齐\n`,
);
