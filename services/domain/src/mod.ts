/**
 * @liandong/domain: every rule of the campaign in one place. Depends on the contracts and zod
 * alone. Agencies decide with these deciders; the office, the CLI and the page fold the same
 * events with the same `evolve`.
 */

export * from "./bus-events.ts";
export * from "./case/mod.ts";
export * from "./city/mod.ts";
export * from "./consent/mod.ts";
export {
  type Decider,
  type FieldRefusal,
  fold,
  isRefusal,
  type NotRecorded,
  notRecordable,
  type Refusal,
  refusalCodes,
  refusalMessage,
  refusalTexts,
  refuse,
} from "./decider.ts";
export * from "./informant/mod.ts";
export * from "./inspection/mod.ts";
export { interned, internedList } from "./intern.ts";
export * from "./lead/mod.ts";
export * from "./match/mod.ts";
export * from "./officer/mod.ts";
export * from "./referral/deadlines.ts";
export * from "./referral/record.ts";
export * from "./referral/referral.ts";
export {
  isRefusalCode,
  NO_ONE,
  named,
  REFUSALS,
  type RefusalCode,
  type RefusalParam,
  type Said,
  type SaidWhy,
  said,
  say,
  sayBoth,
  sayWhy,
} from "./refusals.ts";
export * from "./report/mod.ts";
export type { LoggedStep, StepMeta } from "./step.ts";
export * from "./supervision/mod.ts";
