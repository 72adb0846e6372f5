/**
 * The checking thread of a rebuild (`CheckAhead`): each batch decoded, validated and hashed,
 * answered with its id.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type AheadBatch, checkBatch } from "./check-ahead.ts";

parentPort?.on("message", (m: { id: number; batch: AheadBatch }) => {
  parentPort?.postMessage({ id: m.id, answer: checkBatch(m.batch) });
});
// Loaded: the reader sends its batches here from now on (it checked them itself until then).
const ready = (workerData as { ready?: Int32Array } | undefined)?.ready;
if (ready) Atomics.store(ready, 0, 1);
