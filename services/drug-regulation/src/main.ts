// Composition root of the 食品药品监督管理部门 service: wiring only.
import { agencyDesk } from "@liandong/agency";
import { main } from "@liandong/runtime";
import { rules } from "./rules.ts";

await main(agencyDesk(rules), "drug-regulation");
