export * from "./case.ts";
export {
  checkSanctions,
  REVOCATIONS,
  type SanctionConfig,
  sanctionFigures,
} from "./sanctions.ts";
