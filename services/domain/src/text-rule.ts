import { type Refusal, refuse } from "./decider.ts";

/** Whitespace and the characters that show nothing (zero-width space, joiners, word joiner, BOM). */
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]/g;
/** A UTF-16 surrogate without its pair: not a character. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text a person reads (a reason, a note) must say something: refused when it is not well-formed
 * Unicode or nothing is left once invisible characters and whitespace are removed. The HTTP
 * boundary's schemas trim already; the rule holds whoever calls a decider.
 */
export function checkText(text: string, field: string): Refusal | undefined {
  if (LONE_SURROGATE.test(text))
    return refuse("invalid", "not well-formed Unicode (a lone surrogate)", field);
  if (text.replace(INVISIBLE, "").length === 0)
    return refuse("invalid", "says nothing: only invisible characters or whitespace", field);
  return undefined;
}
