// Composition root of the 卫生健康部门 service: wiring only.
import { agencyDesk } from "@liandong/agency";
import { main } from "@liandong/runtime";
import { rules } from "./rules.ts";

await main(agencyDesk(rules), "health");
