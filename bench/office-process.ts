// The office's rebuild benchmark in a process of its own, started with the flags the county gives
// the office (`nodeFlags("office")`, its young generation's size above all): what the office's
// rebuild costs as it runs, not as the benchmark's own process would run it.
import { officeBench } from "./office.ts";

const opts = JSON.parse(process.argv[2] ?? "{}") as { events: number; referrals: number };
const figures = await officeBench({
  ...opts,
  log: (s) => process.send?.({ log: s }),
});
process.send?.({ figures }, () => process.exit(0));
