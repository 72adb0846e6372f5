import { z } from "zod";

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

export const County = z.object({ code: CountyCode, name: z.string().min(1) });
export type County = z.infer<typeof County>;

/** Counties the scenarios use; a deployment adds its own by configuration. */
export const DEFAULT_COUNTIES: readonly County[] = [
  { code: "441723", name: "阳西县" },
  { code: "441702", name: "江城区" },
  { code: "620702", name: "甘州区" },
  { code: "620722", name: "民乐县" },
  { code: "620602", name: "凉州区" },
  { code: "620302", name: "金川区" },
  { code: "620902", name: "肃州区" },
  { code: "620200", name: "嘉峪关市" },
];

/** A county code that must also be one the deployment knows. */
export function knownCountyCode(counties: readonly County[]) {
  const known = new Set(counties.map((c) => c.code));
  return CountyCode.refine((c) => known.has(c), "county code: not a county known to this bus");
}
