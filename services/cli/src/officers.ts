// `liandong officers <add|list|renew|revoke>`: the county's register of named officers (经办人),
// kept by the office. Each change is recorded on the office's log; the token of a new account
// is printed once, here, and is kept nowhere but by its officer.
import { type OfficerEntry, OfficerRole } from "@liandong/contracts";
import { answer, officeClient, UsageError } from "./office-client.ts";
import { chinaTime, officerName } from "./words.ts";

type Values = Record<string, string | boolean | undefined>;

const STATUS_LABEL: Record<OfficerEntry["status"], string> = {
  active: "有效",
  expired: "已过期",
  revoked: "已注销",
};

/** `张三（卫健联络员）`, as every step on the record names an officer. */
const named = (o: Pick<OfficerEntry, "id" | "name" | "role" | "agency">) =>
  officerName(o.id, { name: o.name, role: o.role }, o.agency);

function days(values: Values): number | undefined {
  if (values.days === undefined) return undefined;
  const n = Number(values.days);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--days 应为正整数：${values.days}`);
  return n;
}

function client(values: Values) {
  const token = typeof values.token === "string" ? values.token : process.env.LIANDONG_TOKEN;
  if (typeof values.office !== "string" || !token)
    throw new UsageError(
      "需要 --office URL 与 --token 令牌（办公室分管领导；也可用环境变量 LIANDONG_TOKEN）",
    );
  return { office: values.office, api: officeClient(values.office, token) };
}

const line = (o: OfficerEntry) =>
  `  ${o.id}  ${named(o)}  ${STATUS_LABEL[o.status]}  有效期至 ${chinaTime(o.expiresAt)}${o.revokedAt ? `  注销于 ${chinaTime(o.revokedAt)}` : ""}`;

export async function officersCommand(positionals: string[], values: Values): Promise<number> {
  const [action, id] = positionals;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  switch (action) {
    case "add": {
      const role = OfficerRole.safeParse(values.role);
      if (typeof values.agency !== "string" || typeof values.name !== "string" || !role.success)
        throw new UsageError(
          `需要 --agency 部门 --name 姓名 --role 职务（${OfficerRole.options.join("、")}）`,
        );
      const { office, api } = client(values);
      const d = days(values);
      const issued = await answer(
        `${office}/officers`,
        api.POST("/officers", {
          body: {
            agency: values.agency,
            name: values.name,
            role: role.data,
            ...(d !== undefined ? { days: d } : {}),
          },
        }),
      );
      if (values.json) out(JSON.stringify(issued, null, 2));
      else {
        out(`已登记经办人 ${named(issued.officer)}，编号 ${issued.officer.id}`);
        out(`有效期至 ${chinaTime(issued.officer.expiresAt)}`);
        out(`令牌（只显示这一次，请交本人妥善保管）：${issued.token}`);
      }
      return 0;
    }
    case "list": {
      const { office, api } = client(values);
      const list = await answer(`${office}/officers`, api.GET("/officers"));
      if (values.json) out(JSON.stringify(list, null, 2));
      else {
        out(`经办人名册（${list.total} 人）`);
        for (const o of list.items) out(line(o));
      }
      return 0;
    }
    case "renew": {
      if (!id) throw new UsageError("需要经办人编号：liandong officers renew <编号>");
      const { office, api } = client(values);
      const d = days(values);
      const o = await answer(
        `${office}/officers/${id}/renew`,
        api.POST("/officers/{id}/renew", {
          params: { path: { id } },
          body: d !== undefined ? { days: d } : {},
        }),
      );
      out(values.json ? JSON.stringify(o, null, 2) : `已续期：${line(o).trim()}`);
      return 0;
    }
    case "revoke": {
      if (!id) throw new UsageError("需要经办人编号：liandong officers revoke <编号>");
      const reason = typeof values.reason === "string" ? values.reason.trim() : "";
      if (!reason) throw new UsageError("需要 --reason 理由，它将记入日志");
      const { office, api } = client(values);
      const o = await answer(
        `${office}/officers/${id}/revoke`,
        api.POST("/officers/{id}/revoke", { params: { path: { id } }, body: { reason } }),
      );
      out(values.json ? JSON.stringify(o, null, 2) : `已注销：${line(o).trim()}`);
      return 0;
    }
    default:
      throw new UsageError(
        `经办人操作应为 add、list、renew、revoke 之一：${action ?? "（未给出）"}`,
      );
  }
}
