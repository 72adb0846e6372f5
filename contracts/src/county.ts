import { z } from "zod";
import { DIVISIONS } from "../generated/divisions.ts";
import type { Label } from "./labels.ts";

/** Province-level prefixes of GB/T 2260 (the first two digits of a division code). */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
]);

/**
 * A 6-digit administrative division code (行政区划代码, GB/T 2260) of a county-level
 * division: province prefix known, city and county digits not both zero.
 */
export const CountyCode = z
  .string()
  .regex(/^\d{6}$/, "county code: 6 digits (GB/T 2260)")
  .refine((c) => PROVINCES.has(Number(c.slice(0, 2))), "county code: unknown province prefix")
  .refine((c) => c.slice(2) !== "0000", "county code: names a province, not a county");
export type CountyCode = z.infer<typeof CountyCode>;

/**
 * A county the bus knows (`counties` in `liandong.county.json`). Its name comes from the current
 * GB/T 2260 list (`contracts/generated/divisions.ts`); `name` is for a code that list no longer
 * has (a division since abolished that old records still carry), and must not contradict it.
 */
export const County = z.strictObject({
  /** A note for whoever edits the file (why an old code is kept); ignored. */
  $comment: z.string().optional(),
  code: CountyCode,
  name: z.string().min(1).optional(),
});
export type County = z.infer<typeof County>;

/**
 * Counties the scenarios use; a deployment lists its own by configuration. 441723 (阳东县) was
 * abolished in 2014 (now 阳东区, 441704): the scenarios keep the code, so its name is given here.
 */
export const DEFAULT_COUNTIES: readonly County[] = [
  {
    $comment:
      "441723 阳东县：2014 年撤县设区（今阳东区 441704），现行区划代码已无此代码；演示与场景沿用此代码。",
    code: "441723",
    name: "阳东县",
  },
  { code: "441702" },
  { code: "620702" },
  { code: "620722" },
  { code: "620602" },
  { code: "620302" },
  { code: "620902" },
  { code: "620200" },
];

/** The division's name in the current GB/T 2260 list, or undefined for a code it does not have. */
export function divisionName(code: string): string | undefined {
  return Object.hasOwn(DIVISIONS, code) ? DIVISIONS[code] : undefined;
}

/** What a county is called when nothing names it: its code, said to be missing from the list. */
const unnamed = (code: string) => `${code}（现行区划代码中没有此代码）`;

/**
 * A county's name (阳西县): from the current GB/T 2260 list; for a code the list does not have,
 * the name the configuration gives (`counties`); else a statement that the code is not current.
 */
export function countyName(code: string, counties: readonly County[] = []): string {
  return divisionName(code) ?? counties.find((c) => c.code === code)?.name ?? unnamed(code);
}

/**
 * A county's full name (广东省阳江市阳西县): province, city and county from the current list
 * (a municipality's district or a county under the province has no city between); for a code
 * the list does not have, as `countyName`.
 */
export function countyFullName(code: string, counties: readonly County[] = []): string {
  const own = divisionName(code);
  if (own === undefined) return countyName(code, counties);
  const above = [`${code.slice(0, 2)}0000`, `${code.slice(0, 4)}00`].filter((c) => c !== code);
  return above.map(divisionName).join("") + own;
}

/**
 * A county as a person reads it in a sentence: its name with its code where the name is known
 * (甘州区（620702）, from the current list or the scenarios' own), else `县 <code>`; in English,
 * `county <code>`.
 */
export function countyLabel(code: string): Label {
  const name = knownName(code);
  return { zh: name ? `${name}（${code}）` : `县 ${code}`, en: `county ${code}` };
}

/**
 * A neighbouring county as a sentence names it: 邻县凉州区（620602）, else `邻县 <code>`; in
 * English, `neighbour <code>`.
 */
export function neighbourLabel(code: string): Label {
  const name = knownName(code);
  return { zh: name ? `邻县${name}（${code}）` : `邻县 ${code}`, en: `neighbour ${code}` };
}

/** The name a person knows a county by, where one is known: the current list's, or the scenarios'. */
function knownName(code: string): string | undefined {
  return divisionName(code) ?? DEFAULT_COUNTIES.find((c) => c.code === code)?.name;
}

/** A county code that must also be one the deployment knows. */
export function knownCountyCode(counties: readonly County[]) {
  const known = new Set(counties.map((c) => c.code));
  return CountyCode.refine((c) => known.has(c), "county code: not a county known to this bus");
}
