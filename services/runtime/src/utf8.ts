/**
 * Text in and out of bytes with Buffer's own UTF-8 codec, on any view of bytes (a NATS message's
 * `Uint8Array` is not a Buffer): what `TextDecoder` and `Buffer#write` run underneath, without
 * their wrappers' checks of their arguments, which cost more than the decoding itself on the hot
 * paths (every event a consumer or a rebuild reads).
 */
/** The decoder: the same replacement of malformed sequences as `TextDecoder`'s (non-fatal). */
export const utf8Slice = (
  Buffer.prototype as unknown as { utf8Slice: (start: number, end: number) => string }
).utf8Slice as (this: Uint8Array, start: number, end: number) => string;

/** The encoder: bytes written at `at` (the caller makes room: three bytes a UTF-16 unit at most). */
export const utf8Write = (
  Buffer.prototype as unknown as { utf8Write: (s: string, at: number) => number }
).utf8Write as (this: Uint8Array, s: string, at: number) => number;

/** `bytes[start, end)` as text, as `new TextDecoder().decode` reads it: a leading BOM dropped. */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.byteLength): string {
  if (
    end - start >= 3 &&
    bytes[start] === 0xef &&
    bytes[start + 1] === 0xbb &&
    bytes[start + 2] === 0xbf
  )
    start += 3;
  return utf8Slice.call(bytes, start, end);
}
