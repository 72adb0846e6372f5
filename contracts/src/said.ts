import { z } from "zod";

/**
 * The parameters of a code of the domain's catalogue (`REFUSALS`), as an event keeps them: each
 * place's value, a name or a number said alike in both languages, or its Chinese and English
 * words. With the code, whoever shows the record says it in its reader's language.
 */
export const SaidParams = z.record(
  z.string().max(40),
  z.union([
    z.string().max(1000),
    z.number(),
    z.object({ zh: z.string().max(1000), en: z.string().max(1000) }),
  ]),
);
export type SaidParams = z.infer<typeof SaidParams>;
