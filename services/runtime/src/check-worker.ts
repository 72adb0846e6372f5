/**
 * The checking thread of a rebuild (`CheckAhead`): each batch decoded, validated and hashed,
 * answered with its id.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type AheadBatch, checkBatch } from "./check-ahead.ts";

parentPort?.on("message", (m: { id: number; batch: AheadBatch }) => {
  const answer = checkBatch(m.batch);
  // The batch's buffer handed back, to be filled again: nothing answered refers to it.
  const spent = m.batch.bytes.buffer as ArrayBuffer;
  parentPort?.postMessage({ id: m.id, answer, spent }, [
    spent,
    answer.hashes.buffer as ArrayBuffer,
  ]);
});
// Loaded: the reader sends its batches here from now on (it checked them itself until then).
const ready = (workerData as { ready?: Int32Array } | undefined)?.ready;
if (ready) Atomics.store(ready, 0, 1);
