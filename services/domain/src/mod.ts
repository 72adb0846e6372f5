/**
 * @liandong/domain: every rule of the campaign in one place. Depends on the contracts and zod
 * alone. Agencies decide with these deciders; the office, the CLI and the page fold the same
 * events with the same `evolve`.
 */
export { type Decider, fold, isRefusal, type Refusal, refuse } from "./decider.ts";
export * from "./report/mod.ts";
