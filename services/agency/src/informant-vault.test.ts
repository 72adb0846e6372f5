// The agency's informant vault over a bucket in memory: what it writes holds no identity; a
// rotation cut short is finished at start; an identity an earlier version stored in clear is
// sealed at start; registrations during a rotation all end under the new key.
import { MemoryBucket, memoryKeyring, type VaultKeyring } from "@liandong/runtime";
import { describe, expect, it } from "vitest";
import { DeskStore, type SealedInformant } from "./desk-store.ts";
import { InformantVault } from "./informant-vault.ts";

const meta = (leadId: string) => ({
  leadId,
  recordedBy: "family-planning.liaison",
  recordedAt: "2026-11-03T09:00:00.000Z",
  rewardEligible: true,
});
const who = (i: number) => ({
  name: `举报人${i}号`,
  phone: `1370000${String(i).padStart(4, "0")}`,
});

async function bucketText(kv: MemoryBucket): Promise<string> {
  let text = "";
  for await (const key of await kv.keys(">")) text += (await kv.get(key))?.string() ?? "";
  return text;
}

function vaultOver(kv: MemoryBucket, keyring: VaultKeyring) {
  return new InformantVault(new DeskStore(kv), keyring, "family-planning");
}

describe("the informant vault", () => {
  it("finishes at start a rotation cut short: every data key under the new key, the old one gone", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const keyring = memoryKeyring();
    const vault = vaultOver(kv, keyring);
    for (let i = 0; i < 3; i++) await vault.seal(`inf_${i}`, who(i), meta(`lead-${i}`));
    // The new key written, nothing wrapped again yet: the service stopped here.
    const next = keyring.rotate();
    expect(keyring.ids()).toHaveLength(2);
    const restarted = vaultOver(kv, keyring);
    await restarted.recover();
    expect(keyring.ids()).toEqual([next]);
    const store = new DeskStore(kv);
    for (let i = 0; i < 3; i++) {
      expect((await store.sealed(`inf_${i}`))?.identity?.keyId).toBe(next);
      expect(await restarted.unseal(`inf_${i}`)).toEqual({ identity: who(i) });
    }
  });

  it("seals at start an identity an earlier version stored in clear", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const legacy = { ...who(7), idNumber: "44172319900202456X", ...meta("lead-7") };
    await kv.put("informant.inf_7", JSON.stringify(legacy));
    const vault = vaultOver(kv, memoryKeyring());
    await vault.recover();
    const text = await bucketText(kv);
    for (const secret of [legacy.name, legacy.phone, legacy.idNumber])
      expect(text).not.toContain(secret);
    const record = (await kv.get("informant.inf_7"))?.json<SealedInformant>();
    expect(record).toMatchObject({ ...meta("lead-7"), identity: { v: 1, alg: "A256GCM" } });
    expect(await vault.unseal("inf_7")).toEqual({
      identity: { name: legacy.name, phone: legacy.phone, idNumber: legacy.idNumber },
    });
  });

  it("leaves no data key under a retired key when registrations run during a rotation", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const keyring = memoryKeyring();
    const vault = vaultOver(kv, keyring);
    for (let i = 0; i < 20; i++) await vault.seal(`inf_${i}`, who(i), meta(`lead-${i}`));
    const during = [];
    const rotation = vault.rotate();
    for (let i = 20; i < 40; i++) during.push(vault.seal(`inf_${i}`, who(i), meta(`lead-${i}`)));
    const [rotated] = await Promise.all([rotation, ...during]);
    expect(keyring.ids()).toEqual([rotated.keyId]);
    for (let i = 0; i < 40; i++)
      expect(await vault.unseal(`inf_${i}`), `inf_${i}`).toEqual({ identity: who(i) });
  });

  it("destroys an identity once: the record keeps its facts and who destroyed it, and the key rotates", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const keyring = memoryKeyring();
    const vault = vaultOver(kv, keyring);
    await vault.seal("inf_1", who(1), meta("lead-1"));
    await vault.seal("inf_2", who(2), meta("lead-2"));
    const before = keyring.current().id;
    const by = { by: "family-planning.supervisor", at: "2026-11-04T09:00:00.000Z", reason: "删除" };
    expect(await vault.shred("inf_1", by)).toBe(true);
    expect(await vault.shred("inf_1", by)).toBe(false);
    expect(keyring.current().id).not.toBe(before);
    expect(keyring.ids()).toHaveLength(1);
    expect((await kv.get("informant.inf_1"))?.json()).toEqual({ ...meta("lead-1"), destroyed: by });
    expect(await vault.unseal("inf_1")).toEqual({ destroyed: by });
    expect(await vault.unseal("inf_2")).toEqual({ identity: who(2) });
  });

  it("destroys once when the route and the consumer ask at the same time: one rotation, and neither answers before it is done", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const keyring = memoryKeyring();
    const vault = vaultOver(kv, keyring);
    await vault.seal("inf_1", who(1), meta("lead-1"));
    const before = keyring.current().id;
    const by = { by: "family-planning.supervisor", at: "2026-11-04T09:00:00.000Z", reason: "删除" };
    const keysWhenAnswered: string[][] = [];
    const ask = () =>
      vault.shred("inf_1", by).then((destroyed) => {
        keysWhenAnswered.push(keyring.ids());
        return destroyed;
      });
    const answers = await Promise.all([ask(), ask()]);
    expect(answers.sort()).toEqual([false, true]);
    // Each answered with the old key gone and one new key: not a second rotation half done.
    const after = keyring.current().id;
    expect(after).not.toBe(before);
    expect(keysWhenAnswered).toEqual([[after], [after]]);
  });

  it("refuses to register an informant without a vault key, rather than store one in clear", async () => {
    const kv = new MemoryBucket("agency_family-planning");
    const vault = new InformantVault(new DeskStore(kv), undefined, "family-planning");
    await expect(vault.seal("inf_1", who(1), meta("lead-1"))).rejects.toMatchObject({
      status: 503,
      code: "vault-unavailable",
    });
    expect(await bucketText(kv)).toBe("");
  });
});
