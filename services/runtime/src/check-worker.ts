/**
 * The checking thread of a rebuild (`CheckAhead`): each batch decoded, validated and hashed,
 * answered with its id.
 */
import { parentPort } from "node:worker_threads";
import { type AheadBatch, checkBatch } from "./check-ahead.ts";

parentPort?.on("message", (m: { id: number; batch: AheadBatch }) => {
  parentPort?.postMessage({ id: m.id, answer: checkBatch(m.batch) });
});
