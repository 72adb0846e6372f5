// 数据比对 at an officer's desk: the rules' findings that reached this agency (its own leads and
// those routed to it), by month, each with each side's facts; the officer names only a row of
// their own agency's (the holder's desk answers, and records who and why), never another's.
import { useState } from "preact/hooks";
import { agencyApi, ok, type S, session } from "./api.ts";
import { agencyOfShortName, t } from "./i18n.ts";
import { ErrorBox, Said, Section, useLoad } from "./ui.tsx";

type Facts = S["LeadView"];
/** The facts of a finding's summary, each with its record reference and the agency that holds it. */
function factsOf(summary: string): { text: string; ref?: string; holder?: string }[] {
  const body = summary
    .slice(summary.indexOf("：") + 1)
    .replace(/。各方记录由其保管部门核实身份。$/, "");
  return body.split("；").map((text) => {
    const ref = /记录号([0-9a-f]{32})/.exec(text)?.[1];
    // A pregnancy fact begins with its holder's short name (卫健·…); a sale is drug regulation's.
    const prefix = /^([^·，]+)·/.exec(text)?.[1];
    const holder = (prefix && agencyOfShortName(prefix)) || (ref ? "drug-regulation" : undefined);
    return { text, ...(ref ? { ref } : {}), ...(holder ? { holder } : {}) };
  });
}

export function ComparisonFindings() {
  const me = session.value?.officer.agency;
  const own = useLoad(
    () => ok(agencyApi().GET("/leads", { params: { query: { limit: 500 } } })),
    "comparison-leads",
  );
  const inbox = useLoad(
    () => ok(agencyApi().GET("/inbox", { params: { query: { limit: 500 } } })),
    "comparison-inbox",
  );
  const [ran, setRan] = useState<S["ComparisonRunAnswer"]>();
  const [error, setError] = useState<string>();
  const leads: Facts[] = [
    ...(own.data?.items ?? []),
    ...((inbox.data?.items ?? []).map((i) => i.lead) as Facts[]),
  ].filter((l) => l.summary.startsWith("数据比对"));
  const months = new Map<string, Facts[]>();
  for (const l of leads) {
    const month = (l.observedAt ?? l.registeredAt ?? "").slice(0, 7);
    months.set(month, [...(months.get(month) ?? []), l]);
  }
  const run = async () => {
    setError(undefined);
    try {
      setRan(await ok(agencyApi().POST("/comparison/runs", { body: { submit: true } })));
      own.reload();
      inbox.reload();
    } catch (err) {
      setError(String((err as Error).message));
    }
  };
  return (
    <Section
      title={t("comparison")}
      actions={
        <button type="button" data-testid="run-comparison" onClick={() => void run()}>
          {t("runComparison")}
        </button>
      }
    >
      <ErrorBox error={error ?? own.error ?? inbox.error} />
      {ran && (
        <p data-testid="comparison-ran">
          {t("comparisonRan")} {ran.registered.length} · {t("comparisonAgain")}{" "}
          {ran.duplicates.length}
        </p>
      )}
      {leads.length === 0 && <p>{t("noFindings")}</p>}
      {[...months]
        .sort(([a], [b]) => b.localeCompare(a))
        .map(([month, list]) => (
          <div key={month} data-testid="findings-month">
            <h3>{month}</h3>
            {list.map((l) => (
              <div key={l.leadId} data-testid="finding" class="card">
                <strong>
                  <Said>{l.target.name}</Said>
                </strong>
                <ul>
                  {factsOf(l.summary).map((f) => (
                    <li key={f.text} data-testid="finding-fact">
                      <Said>{f.text}</Said>{" "}
                      {f.ref && f.holder === me ? (
                        <Reidentify recordRef={f.ref} />
                      ) : f.ref ? (
                        <small>{t("otherSide")}</small>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        ))}
    </Section>
  );
}

function Reidentify({ recordRef }: { recordRef: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [row, setRow] = useState<Record<string, unknown>>();
  const [error, setError] = useState<string>();
  if (row)
    return (
      <span data-testid="reidentified">
        <Said>{`${String(row.name ?? "")} ${String(row.idNumber ?? "")}`}</Said>
      </span>
    );
  if (!open)
    return (
      <button type="button" data-testid="reidentify" onClick={() => setOpen(true)}>
        {t("reidentify")}
      </button>
    );
  const send = async () => {
    try {
      const r = await ok(
        agencyApi().POST("/comparison/records/{ref}/identification", {
          params: { path: { ref: recordRef } },
          body: { reason },
        }),
      );
      setRow(r.row);
    } catch (err) {
      setError(String((err as Error).message));
    }
  };
  return (
    <span>
      <input
        name="reason"
        aria-label={t("reidentifyReason")}
        placeholder={t("reidentifyReason")}
        value={reason}
        onInput={(e) => setReason((e.target as HTMLInputElement).value)}
      />
      <button type="button" data-testid="reidentify-send" onClick={() => void send()}>
        {t("reidentify")}
      </button>
      <ErrorBox error={error} />
    </span>
  );
}
