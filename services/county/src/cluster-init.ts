// One-shot for docker-compose.yml: identities, officers' tokens and the servers' authorization
// block, written into the shared secrets volume before the NATS nodes start.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCountyConfig } from "./county.ts";
import { ensureIdentities } from "./identities.ts";
import { ensureOfficers } from "./officers.ts";
import { renderAuthorization } from "./server-config.ts";

const secrets = process.env.LIANDONG_SECRETS ?? "/secrets";
const config = readCountyConfig(process.env.LIANDONG_CONFIG ?? "liandong.county.json");
const identities = await ensureIdentities(
  secrets,
  config.agencies.map((a) => a.code),
);
ensureOfficers(join(secrets, "tokens.json"), join(secrets, "officers.json"), config.agencies);
writeFileSync(join(secrets, "auth.conf"), renderAuthorization(config.county, identities));
process.stdout.write(`已为 ${config.agencies.length} 个部门生成身份与授权配置：${secrets}\n`);
