// Bundled and run with plain node by services/county/src/build.test.ts, as the office runs
// bundled: a rebuild's messages checked on the second thread (`CheckAhead`), which the bundle
// starts from check-worker.js beside itself. Prints what was applied and any error the thread had.
import { SAMPLE_EVENT, SAMPLE_SUBJECT } from "@liandong/contracts/fixtures";
import { type AheadVerdict, CheckAhead, type StreamMessage } from "@liandong/runtime";

const event = (i: number) => ({
  ...SAMPLE_EVENT,
  id: `6a1f7c1e-2b3d-4e5f-8a9b-${String(i).padStart(12, "0")}`,
});
const subject = SAMPLE_SUBJECT;
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
  // The first message starts the thread (checked here while it loads): the rest wait for it, so
  // that they are checked there.
  const until = Date.now() + 20_000;
  while (i === 0 && !checking.threadReady && errors.length === 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
}
await checking.close();
const valid = seen.filter((v) => v.decoded && v.ok).length;
const onThread = checking.checkedOnThread;
process.stdout.write(`${JSON.stringify({ applied: seen.length, valid, errors, onThread })}\n`);
