// Informants' identities at rest (静态加密), on a county of real processes: registered at two
// agencies, then looked for in the county's whole data folder (JetStream's files) and in every
// stream and bucket read with the admin identity — found nowhere, though the lead's own words
// are. Two supervisors still unseal one; a supervisor destroys another (crypto-shredding) and
// nothing unseals it after, while the log still verifies and the trail shows who and when; the
// vault key rotates, and after the county restarts on the rotated key file the first still unseals.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { liandong } from "./support/cli.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

let county: TestCounty;
beforeAll(async () => {
  county = await startTestCounty();
}, 120_000);
afterAll(async () => {
  await county?.cleanup();
});

// Distinctive enough that no other byte sequence of the county holds them by chance.
const KEPT = { name: "欧阳静雯甲", phone: "13987650001", idNumber: "11010519491231002X" };
const SHREDDED = { name: "司徒明轩乙", phone: "13987650002", idNumber: "44172319700101347X" };
const AT_HEALTH = { name: "上官若曦丙", phone: "13987650003", idNumber: "440105198812120017" };
const SECRETS = [KEPT, SHREDDED, AT_HEALTH].flatMap((i) => [i.name, i.phone, i.idNumber]);
/** Words of the lead itself, which are not sealed: what proves the scans read what is stored. */
const SUMMARY = "来电举报：某镇个体诊所夜间为孕妇鉴定胎儿性别（静态加密检验）";

async function register(agency: string, informant: typeof KEPT): Promise<string> {
  const r = await county.as(agency).post<{ informantRef: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某镇个体诊所", county: "441723" },
    summary: SUMMARY,
    informant,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.informantRef;
}

/** Asks to unseal `ref` at family-planning and has two supervisors approve: the last answer. */
async function unseal(ref: string) {
  const fp = (role: "liaison" | "supervisor" | "deputy") => county.as("family-planning", role);
  const asked = await fp("liaison").post<{ requestId: string }>(
    `/informants/${ref}/unseal-requests`,
    { reason: "联系举报人发放奖金" },
  );
  if (asked.status !== 201) return asked;
  const path = `/informants/${ref}/unseal-requests/${asked.body.requestId}/approvals`;
  const first = await fp("supervisor").post(path, {});
  expect(first.body).toMatchObject({ status: "approved-once" });
  return fp("deputy").post<{ status: string; informant: typeof KEPT }>(path, {});
}

/** Every file under `dir`, as bytes, with its path. */
function* filesUnder(dir: string): Generator<[string, Buffer]> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* filesUnder(path);
    else yield [path, readFileSync(path)];
  }
}

/** The strings of `wanted` found in some file under `dir`, with where. */
function foundOnDisk(dir: string, wanted: string[]): string[] {
  const found: string[] = [];
  for (const [path, bytes] of filesUnder(dir))
    for (const w of wanted)
      if (bytes.includes(Buffer.from(w, "utf8"))) found.push(`${w} @ ${path}`);
  return found;
}

/** Every message of every stream (the buckets' too, every revision kept), read as admin. */
async function everyStreamAsAdmin(): Promise<Map<string, string>> {
  const admin = await county.admin();
  const texts = new Map<string, string>();
  try {
    const jsm = await jetstreamManager(admin);
    for await (const s of jsm.streams.list()) {
      if (s.state.messages === 0) continue;
      const c = await jetstream(admin).consumers.get(s.config.name);
      let text = "";
      for await (const m of await c.consume()) {
        text += `${m.subject} ${new TextDecoder().decode(m.data)}\n`;
        if (m.info.pending === 0) break;
      }
      texts.set(s.config.name, text);
    }
  } finally {
    await admin.close();
  }
  return texts;
}

const keyFileOf = (agency: string) => join(county.stateDir, "secrets", "vault", agency, "key.json");
const keysIn = (agency: string) =>
  JSON.parse(readFileSync(keyFileOf(agency), "utf8")) as {
    current: string;
    keys: Record<string, string>;
  };

it("seals every identity at rest; unseals by two, shreds on the record, rotates the key", async () => {
  const kept = await register("family-planning", KEPT);
  const shredded = await register("family-planning", SHREDDED);
  await register("health", AT_HEALTH);
  const keysBefore = keysIn("family-planning");
  expect(statSync(keyFileOf("family-planning")).mode & 0o777).toBe(0o600);
  expect(statSync(join(county.stateDir, "secrets", "vault")).mode & 0o777).toBe(0o700);
  expect(statSync(join(county.stateDir, "secrets", "vault", "family-planning")).mode & 0o777).toBe(
    0o700,
  );
  // The office holds no informant: no vault key of its own.
  expect(() => keysIn("office")).toThrow();

  // Unsealed after two supervisors' approval: that answer alone carries the identity.
  const opened = await unseal(kept);
  expect(opened.body).toMatchObject({ status: "unsealed", informant: KEPT });

  // Destroyed by a supervisor, with a reason: nothing unseals it after, and it says so.
  const fpSupervisor = county.as("family-planning", "supervisor");
  const byLiaison = await county
    .as("family-planning")
    .post(`/informants/${shredded}/shredding`, { reason: "举报人申请删除" });
  expect(byLiaison.status).toBe(403);
  const shred = await fpSupervisor.post<{ shredded: { by: string; at: string } }>(
    `/informants/${shredded}/shredding`,
    { reason: "举报人依个人信息保护法申请删除其个人信息" },
  );
  expect(shred.status, JSON.stringify(shred.body)).toBe(200);
  expect(shred.body.shredded.by).toBe("family-planning.supervisor");
  const refused = await unseal(shredded);
  expect(refused.status).toBe(410);
  expect((refused.body as unknown as { title: string }).title).toBe("举报人身份已销毁，无法解密");
  // The destruction rotated the key: the wrapped data key left in any copy opens no more.
  const keysAfterShred = keysIn("family-planning");
  expect(keysAfterShred.current).not.toBe(keysBefore.current);
  expect(Object.keys(keysAfterShred.keys)).toEqual([keysAfterShred.current]);

  // Rotation by a supervisor: every data key wrapped again, the old key destroyed.
  expect((await county.as("family-planning").post("/vault/rotation", {})).status).toBe(403);
  const rotated = await fpSupervisor.post<{ keyId: string; rewrapped: number; retired: string[] }>(
    "/vault/rotation",
    {},
  );
  expect(rotated.status).toBe(200);
  expect(rotated.body.rewrapped).toBe(1);
  expect(rotated.body.retired).toEqual([keysAfterShred.current]);
  const keysAfterRotation = keysIn("family-planning");
  expect(keysAfterRotation.current).toBe(rotated.body.keyId);
  expect(Object.keys(keysAfterRotation.keys)).toEqual([rotated.body.keyId]);
  expect(statSync(keyFileOf("family-planning")).mode & 0o777).toBe(0o600);
  expect((await unseal(kept)).body).toMatchObject({ status: "unsealed", informant: KEPT });

  // The county's log still verifies, the destruction sealed in it like every step.
  const office = county.as("office");
  await eventually(async () => {
    const r = await liandong([
      "verify",
      "--nats",
      county.natsUrl,
      "--seed",
      join(county.stateDir, "secrets", "admin.nk"),
      "--keys",
      county.keysFile,
      "--json",
    ]);
    const report = JSON.parse(r.stdout || "{}") as { findings?: unknown[] };
    return r.code === 0 && report.findings?.length === 0 ? true : undefined;
  }, 30_000);
  // The trail shows it destroyed, by whom and when.
  const trail = await eventually(async () => {
    const t = await office.get<{
      verification: { ok: boolean };
      steps: { type: string; actor: string; time: string }[];
    }>(`/trail/informant/${shredded}`);
    return t.body.steps?.some((s) => s.type === "informant.shredded") ? t.body : undefined;
  });
  expect(trail.verification.ok).toBe(true);
  const step = trail.steps.find((s) => s.type === "informant.shredded")!;
  expect(step).toMatchObject({ actor: "family-planning.supervisor", time: shred.body.shredded.at });
  const printed = await liandong([
    "trail",
    "informant",
    shredded,
    "--office",
    office.url,
    "--token",
    office.token,
  ]);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toMatch(/身份已销毁/);
  const beijing = new Date(Date.parse(step.time) + 8 * 3_600_000).toISOString();
  expect(printed.stdout).toContain(`${beijing.slice(0, 10)} ${beijing.slice(11, 19)}`);

  // After a restart on the rotated key file, the kept identity still unseals.
  await county.kill();
  await county.restart();
  expect((await unseal(kept)).body).toMatchObject({ status: "unsealed", informant: KEPT });
  const stillRefused = await unseal(shredded);
  expect(stillRefused.status).toBe(410);

  // Every stream and bucket, as the admin reads them: the lead's words, but no identity and no
  // vault key.
  const vaultKeys = [
    ...Object.values(keysBefore.keys),
    ...Object.values(keysAfterShred.keys),
    ...Object.values(keysAfterRotation.keys),
    ...Object.values(keysIn("health").keys),
  ];
  const streams = await everyStreamAsAdmin();
  expect([...streams.keys()]).toEqual(
    expect.arrayContaining(["EVENTS", "KV_agency_family-planning", "KV_agency_health"]),
  );
  expect(streams.get("EVENTS")).toContain(SUMMARY);
  expect(streams.get("KV_agency_family-planning")).toContain(SUMMARY);
  expect(streams.get("KV_agency_family-planning")).toContain(`"identity"`);
  for (const [name, text] of streams)
    for (const secret of [...SECRETS, ...vaultKeys])
      expect(text.includes(secret), `${name} holds ${secret}`).toBe(false);

  // A copy of the data folder (JetStream's files, written out by a clean stop): the same.
  await county.stop();
  const data = join(county.stateDir, "data");
  expect(foundOnDisk(data, [SUMMARY])).not.toEqual([]);
  expect(foundOnDisk(data, [...SECRETS, ...vaultKeys])).toEqual([]);
  // Nor do the services' logs name anyone.
  expect(foundOnDisk(join(county.stateDir, "logs"), SECRETS)).toEqual([]);
}, 240_000);
