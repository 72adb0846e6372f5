// One-shot for docker-compose.yml: identities, officers' tokens and the servers' authorization
// block, written into the shared secrets volume before the NATS nodes start. A county whose
// configuration names neighbours also gets its JetStream domain and its leaf-node port, and
// keeps accepting the links init-region recorded (re-running init does not cut the region).

import { listeningRegion, writeCountySecrets } from "./compose-secrets.ts";
import { readCountyConfig } from "./county.ts";

const secrets = process.env.LIANDONG_SECRETS ?? "/secrets";
const config = readCountyConfig(process.env.LIANDONG_CONFIG ?? "liandong.county.json");
await writeCountySecrets(secrets, config, listeningRegion(secrets, config));
process.stdout.write(`已为 ${config.agencies.length} 个部门生成身份与授权配置：${secrets}\n`);
