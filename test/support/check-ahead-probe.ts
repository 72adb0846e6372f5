// Bundled and run with plain node by services/county/src/build.test.ts, as the office runs
// bundled: a rebuild's messages checked on the second thread (`CheckAhead`), which the bundle
// starts from check-worker.js beside itself. Prints what was applied and any error the thread had.
import { type AheadVerdict, CheckAhead, type StreamMessage } from "@liandong/runtime";

const leadId = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const event = (i: number) => ({
  specversion: "1.0",
  id: `6a1f7c1e-2b3d-4e5f-8a9b-${String(i).padStart(12, "0")}`,
  source: "liandong:441723:health",
  type: "lead.dismissed",
  time: "2026-11-01T08:00:00.000Z",
  subject: leadId,
  county: "441723",
  agency: "health",
  actor: "health.liaison",
  aggregate: { kind: "lead", id: leadId },
  correlationId: "6a1f7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  prev: null,
  data: { leadId, reason: "重复登记" },
});
const subject = `ld.ev.441723.health.lead.${leadId}._`;
const n = Number(process.argv[2] ?? 2000);
const errors: string[] = [];
const seen: AheadVerdict[] = [];
const checking = new CheckAhead<StreamMessage>({
  decode: () => true,
  apply: (_m, v) => {
    seen.push(v);
    return undefined;
  },
  onError: (err) => errors.push(String(err)),
});
for (let i = 0; i < n; i++) {
  const data = new TextEncoder().encode(JSON.stringify(event(i)));
  const full = checking.push({ subject, data, seq: i + 1 });
  if (full) await full;
}
await checking.close();
const valid = seen.filter((v) => v.decoded && v.ok).length;
process.stdout.write(`${JSON.stringify({ applied: seen.length, valid, errors })}\n`);
