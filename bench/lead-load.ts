// A steady load of lead registrations, in a process of its own (forked by the hand-off
// benchmark): the measuring client does not share its event loop with the load.
import { request } from "undici";

export type LeadLoad = { url: string; token: string; perSecond: number };

const { url, token, perSecond } = JSON.parse(process.argv[2] ?? "{}") as LeadLoad;
let running = true;
process.on("message", (m) => {
  if (m === "stop") running = false;
});
let i = 0;
let failed = 0;
if (!(perSecond > 0)) {
  // No background at all: the hand-off measured alone.
  process.send?.({ started: true });
  await new Promise<void>((r) => process.once("message", () => r()));
  running = false;
}
const interval = 1000 / perSecond;
const started = performance.now();
while (running) {
  const due = started + i * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const res = await request(`${url}/leads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: `卫生院${i}`, county: "441723" },
      summary: "背景负载",
    }),
  });
  await res.body.dump();
  if (res.statusCode !== 201) failed++;
  if (i === 0) process.send?.({ started: true });
  i++;
}
process.send?.({ registered: i, failed });
process.disconnect?.();
