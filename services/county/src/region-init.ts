// One-shot for docker-compose.yml's `region` profile (init-region): the neighbouring county's
// identities, tokens and auth.conf in <secrets>/neighbour/, and the link between the two
// counties, as `npm run up -- --region` makes it (services/county/src/region.ts): the neighbour
// keeps the link's seed and dials this county's nodes; this county accepts its public key.
// This county's own auth.conf is rewritten with its domain, its leaf-node port and the link.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PublicKeysFile } from "@liandong/contracts";
import { linkCertificates, writeBundle } from "./certs.ts";
import {
  acceptLink,
  ensureLinkSeed,
  listeningRegion,
  NEIGHBOUR_CAS,
  NODE_TLS,
  writeCountySecrets,
} from "./compose-secrets.ts";
import { readCountyConfig } from "./county.ts";

const secrets = process.env.LIANDONG_SECRETS ?? "/secrets";
const homeFile = process.env.LIANDONG_CONFIG ?? "liandong.county.json";
const neighbourFile = process.env.LIANDONG_NEIGHBOUR_CONFIG ?? "deploy/region/620602.county.json";
const home = readCountyConfig(homeFile);
const neighbour = readCountyConfig(neighbourFile);
// This county's leaf-node port as the neighbour's server reaches it (every node of the cluster).
const urls = (process.env.LIANDONG_LINK_URLS ?? "").split(",").filter((u) => u.length > 0);

const problems = [
  ...(home.county === neighbour.county ? [`两县代码相同（${home.county}）`] : []),
  ...(home.region.neighbours.includes(neighbour.county)
    ? []
    : [`${homeFile} 的 region.neighbours 未列出邻县 ${neighbour.county}`]),
  ...(neighbour.region.neighbours.includes(home.county)
    ? []
    : [`${neighbourFile} 的 region.neighbours 未列出本县 ${home.county}`]),
  ...(urls.length > 0 ? [] : ["未设置 LIANDONG_LINK_URLS（邻县连接本县的叶节点地址）"]),
];
if (problems.length > 0) {
  process.stderr.write(
    `区域配置有误：\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
      "请在 .env 中设置 LIANDONG_COUNTY_CONFIG 与 LIANDONG_NEIGHBOUR_CONFIG（见 deploy/region/region.env）。\n",
  );
  process.exit(1);
}

const neighbourSecrets = join(secrets, "neighbour");
const link = ensureLinkSeed(neighbourSecrets);
acceptLink(secrets, { neighbour: neighbour.county, publicKey: link.publicKey });
// The link over mutual TLS: the neighbour's CA and its link's certificate; each county trusts
// the other's CA (trust.pem), the county's nodes only the CAs of the neighbours it accepts.
await writeCountySecrets(neighbourSecrets, neighbour, {
  listen: false,
  accept: [],
  connect: [
    {
      neighbour: home.county,
      url: urls,
      seed: link.seed,
      tls: { certFile: NODE_TLS.linkCert, keyFile: NODE_TLS.linkKey, caFile: NODE_TLS.dialedCa },
    },
  ],
});
await linkCertificates(neighbourSecrets, neighbour.county);
await writeCountySecrets(secrets, home, listeningRegion(secrets, home));
writeBundle(join(secrets, NEIGHBOUR_CAS), [join(neighbourSecrets, "tls", "trust.pem")]);
// Each county checks its neighbour's seals: their public keys, exchanged.
const publicKeys = (dir: string) =>
  PublicKeysFile.parse(JSON.parse(readFileSync(join(dir, "public-keys.json"), "utf8")));
const homeKeys = publicKeys(secrets);
const neighbourKeys = publicKeys(neighbourSecrets);
for (const [dir, own, other] of [
  [secrets, homeKeys, neighbourKeys],
  [neighbourSecrets, neighbourKeys, homeKeys],
] as const)
  writeFileSync(
    join(dir, "public-keys.json"),
    `${JSON.stringify({ ...own, neighbourKeys: { ...own.neighbourKeys, [other.county]: other.agencies } }, null, 2)}\n`,
  );
process.stdout.write(
  `已生成区域协作配置：本县 ${home.county}（${secrets}），邻县 ${neighbour.county}（${neighbourSecrets}），` +
    `邻县经叶节点连接 ${urls.join("、")}\n`,
);
