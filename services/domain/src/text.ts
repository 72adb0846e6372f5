import { isBlankText, isWellFormedText } from "@liandong/contracts";
import { type Refusal, refuse } from "./decider.ts";

/**
 * Text a person reads must say something: refused when it is not well-formed Unicode, or when
 * nothing is left once invisible characters and whitespace are removed. (The HTTP boundary
 * normalises and refuses these already; the rule holds whoever calls the decider.)
 */
export function checkText(text: string | undefined, field: string): Refusal | undefined {
  if (text === undefined) return undefined;
  if (!isWellFormedText(text)) return refuse("invalid", "text.ill-formed", field);
  if (isBlankText(text)) return refuse("invalid", "text.blank", field);
  return undefined;
}
