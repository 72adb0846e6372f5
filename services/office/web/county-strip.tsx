// The county at a glance, for the office: each service, ready or not, since when, how often it
// was started again (the office's /readyz, which asks them all). Its own words and styles: the
// page around it changes without it.
import createClient from "openapi-fetch";
import { useEffect, useState } from "preact/hooks";
import type { paths as OfficePaths } from "../../../contracts/generated/office-openapi.d.ts";
import type { O } from "./api.ts";
import { labels, lang, when } from "./i18n.ts";

type Status = NonNullable<O["Health"]["county"]>[number];

const WORDS = {
  title: ["各服务状态", "Services"],
  ready: ["就绪", "ready"],
  down: ["未就绪", "not ready"],
  unreachable: ["无法连接", "unreachable"],
  "not-asked": ["尚未检查", "not checked yet"],
  since: ["自", "since"],
  restarts: ["重启", "restarts"],
} as const;
const w = (k: keyof typeof WORDS) => WORDS[k][lang.value === "zh" ? 0 : 1];

/** Asks the office's /readyz every few seconds (it answers 503 while the office is not ready). */
export function CountyStrip({ everyMs = 5000 }: { everyMs?: number }) {
  const [county, setCounty] = useState<Status[] | undefined>(undefined);
  useEffect(() => {
    const office = createClient<OfficePaths>({ baseUrl: location.origin });
    let live = true;
    const look = async () => {
      const r = await office.GET("/readyz").catch(() => undefined);
      const body = r?.data ?? r?.error;
      if (live && body && "county" in body) setCounty(body.county);
    };
    void look();
    const timer = setInterval(() => void look(), everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [everyMs]);
  if (!county) return null;
  return (
    <section class="county-strip" data-testid="county-strip" aria-label={w("title")}>
      {county.map((s) => (
        <span
          key={s.service}
          class={`county-service ${s.ready ? "ready" : "down"}`}
          data-testid={`county-${s.service}`}
        >
          <b>{labels.agency(s.service)}</b> {s.ready ? w("ready") : w(s.reason ?? "down")}{" "}
          <small>
            {w("since")} {when(s.since)}
            {s.restarts > 0 && ` · ${w("restarts")} ${s.restarts}`}
          </small>
        </span>
      ))}
    </section>
  );
}
