// Composition root of the 公安机关 service: wiring only.
import { agencyDesk } from "@liandong/agency";
import { main } from "@liandong/runtime";
import { rules } from "./rules.ts";

await main(agencyDesk(rules), "public-security");
