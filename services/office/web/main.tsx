// The web page of Liandong, served by the office: officers of every agency log in with their
// own token and talk to their own agency's service; the office's officers see the tracker.

import createClient from "openapi-fetch";
import { render } from "preact";
import { useState } from "preact/hooks";
import type { paths as OfficePaths } from "../../../contracts/generated/office-openapi.d.ts";
import { login, logout, ok, type ServiceInfo, session, setServices } from "./api.ts";
import { CountyStrip } from "./county-strip.tsx";
import { Input, options, Select } from "./fields.tsx";
import { colon, labels, lang, setAgencyNames, setLang, t } from "./i18n.ts";
import { OfficeDesk } from "./office.tsx";
import { OfficerDesk } from "./officer.tsx";
import { ErrorBox, message, Said, useLoad } from "./ui.tsx";

function App() {
  const config = useLoad(async () => {
    const c = await ok(
      createClient<OfficePaths>({ baseUrl: location.origin }).GET("/ui/config.json"),
    );
    setAgencyNames(c.services);
    setServices(c.services);
    return c;
  }, "config");
  const s = session.value;
  document.title = t("appTitle");
  return (
    <>
      <header class="top">
        <h1>{t("appTitle")}</h1>
        <div class="who">
          {s && (
            <span data-testid="who">
              {labels.agency(s.officer.agency)} · <Said>{s.officer.name}</Said>
            </span>
          )}
          <button
            type="button"
            class="link"
            data-testid="lang"
            // The switch names the other language in that language.
            lang={lang.value === "zh" ? "en" : "zh-CN"}
            onClick={() => setLang(lang.value === "zh" ? "en" : "zh")}
          >
            {lang.value === "zh" ? "English" : "中文"}
          </button>
          {s && (
            <button type="button" class="link" onClick={logout}>
              {t("logout")}
            </button>
          )}
        </div>
      </header>
      <main>
        <ErrorBox error={config.error} />
        {s?.officer.agency === "office" && <CountyStrip />}
        {config.data &&
          (s ? (
            s.officer.agency === "office" ? (
              <OfficeDesk services={config.data.services} />
            ) : (
              <OfficerDesk services={config.data.services} />
            )
          ) : (
            <Login services={config.data.services} />
          ))}
      </main>
    </>
  );
}

function Login({ services }: { services: ServiceInfo[] }) {
  const [agency, setAgency] = useState(services[0]?.code ?? "");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    const service = services.find((x) => x.code === agency);
    if (!service) return;
    try {
      await login(service, token.trim());
    } catch (err) {
      setError(`${t("loginFailed")}${colon()}${message(err)}`);
    }
  };
  return (
    <form class="login" onSubmit={submit} data-testid="login">
      <h2>{t("login")}</h2>
      <Select label={t("agency")} name="agency" value={agency} set={setAgency}>
        {options(
          services.map((x) => x.code),
          labels.agency,
        )}
      </Select>
      <Input
        label={t("token")}
        name="token"
        type="password"
        autocomplete="off"
        required
        value={token}
        set={setToken}
      />
      <p class="muted">
        {t("tokenHint")}
        <code>.liandong/county/secrets/tokens.json</code>
      </p>
      <button type="submit">{t("login")}</button>
      <ErrorBox error={error} />
    </form>
  );
}

setLang(lang.value);
const root = document.getElementById("app");
if (root) render(<App />, root);
