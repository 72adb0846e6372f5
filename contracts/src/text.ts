import { z } from "zod";

/**
 * Characters that show nothing: zero-width space, non-joiner and joiner (U+200B..U+200D), word
 * joiner (U+2060), byte-order mark (U+FEFF), and whitespace. A text made of these alone says
 * nothing, however long it is.
 */
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]/g;

/** A UTF-16 surrogate without its pair: not a character, and not representable in UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is well-formed Unicode (no lone surrogate). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Whether `s` says nothing: empty once invisible characters and whitespace are removed. */
export function isBlankText(s: string): boolean {
  return s.replace(INVISIBLE, "").length === 0;
}

/**
 * Free text a person types (a summary, a reason, feedback): refused when it is not well-formed
 * Unicode, normalised to NFC (so that the same words compare and hash the same however they
 * were typed), trimmed, and refused when it says nothing. `max` counts UTF-16 code units of the
 * normalised text. Meant for what comes in over HTTP; the domain's deciders apply the meaning
 * rule again (`isBlankText`) to what they are asked to record.
 */
export function Text(max: number) {
  return normalisedText()
    .min(1)
    .refine((s) => s === "" || !isBlankText(s), "only invisible characters or whitespace")
    .max(max);
}

/**
 * Optional free text, such as a note: may be empty, but what is there is well-formed and
 * normalised like `Text`.
 */
export function PlainText(max: number) {
  return normalisedText().max(max);
}

/** Text refused when it is not well-formed Unicode, normalised to NFC, trimmed. */
function normalisedText() {
  return z
    .string()
    .refine(isWellFormedText, {
      message: "not well-formed Unicode (a lone surrogate)",
      abort: true,
    })
    .normalize("NFC")
    .trim();
}

/**
 * `Idempotency-Key`: a request id the client makes up, 1 to 100 visible ASCII characters (no
 * spaces or control characters: it travels in a header and is compared byte for byte).
 */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7E]*$/, "visible ASCII characters only (no spaces)");
export const IDEMPOTENCY_KEY_PATTERN = "^[\\x21-\\x7E]{1,100}$";
