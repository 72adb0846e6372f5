// One-shot for docker-compose.yml: creates the county's streams and buckets on the cluster
// (replicated LIANDONG_REPLICAS times), as admin, once the nodes are healthy. In a region,
// EVENTS also sources what each neighbour addresses to this county (region.neighbours).
import { join } from "node:path";
import { busTls, connectBus, provisionCounty } from "@liandong/runtime";
import { readCountyConfig } from "./county.ts";

const config = readCountyConfig(process.env.LIANDONG_CONFIG ?? "liandong.county.json");
const replicas = Number(process.env.LIANDONG_REPLICAS ?? "3");
const nc = await connectBus({
  servers: process.env.LIANDONG_NATS_URL ?? "nats://127.0.0.1:4222",
  agency: "admin",
  seedFile: join(process.env.LIANDONG_SECRETS ?? "/secrets", "admin.nk"),
  ...busTls(process.env),
});
await provisionCounty(nc, {
  county: config.county,
  agencies: config.agencies.map((a) => a.code),
  neighbours: config.region.neighbours,
  replicas,
});
await nc.drain();
process.stdout.write(
  `县 ${config.county}：已创建流与存储桶（副本数 ${replicas}）` +
    `${config.region.neighbours.length > 0 ? `，接收邻县 ${config.region.neighbours.join("、")} 的事件` : ""}\n`,
);
