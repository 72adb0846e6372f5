/**
 * One copy of each of the few strings a reader's records repeat hundreds of thousands of times
 * (event types, agency codes, officers, violations): `JSON.parse` makes a new string of every
 * value longer than a few characters, so that a year of records held a copy of `referral.accepted`
 * and of `family-planning` per step. A record keeps the first copy seen; the value is the same.
 * Bounded: past `LIMIT` distinct strings the table takes no more (a string is then kept as it
 * came), so that free text reaching it by mistake cannot grow it without end.
 */
const LIMIT = 4096;
const strings = new Map<string, string>();

/** The one copy of `s` kept (equal to `s`). */
export function interned<S extends string>(s: S): S {
  const known = strings.get(s);
  if (known !== undefined) return known as S;
  if (strings.size < LIMIT) strings.set(s, s);
  return s;
}

const lists = new Map<string, readonly string[]>();

/**
 * One copy of each short list of such strings (a lead's violations, an agency list), frozen: the
 * records that hold it never change it (every fold makes a new list).
 */
export function internedList<S extends string>(list: readonly S[]): S[] {
  if (list.length > 8) return list as S[];
  const key = list.join("\u0000");
  const known = lists.get(key);
  if (known !== undefined) return known as S[];
  const one = Object.freeze(list.map(interned)) as S[];
  if (lists.size < LIMIT) lists.set(key, one);
  return one;
}
