/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Every screen of the web page, in headless Chromium at a phone's width (390 px), in both of its
// languages, against a running county with an agency added by configuration: nothing wider than
// the phone, every button within reach, no English word or raw code on the Chinese page and no
// Chinese punctuation on the English page. What people wrote (names, summaries, reasons) is
// theirs and shown as written; ids are shown whole, as the API and the CLI take them.
import { DEFAULT_AGENCIES } from "@liandong/contracts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CASE_STATUS_LABELS,
  CONSENT_STATUS_LABELS,
  EVENT_TYPE_LABELS,
  FIGURE_LABELS,
  REPORT_STATUS_LABELS,
  SUPERVISION_STATUS_LABELS,
  VIOLATION_LABELS,
  VOCABULARY,
} from "../contracts/src/labels.ts";
import { cjkFonts, launchChromium } from "./support/browser.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

const PHONE = { width: 390, height: 844 };
const ADDED = { code: "procuratorate", name: "人民检察院", shortName: "检察院" };

let county: TestCounty;
let browser: Browser;
const token = (agency: string) =>
  county.tokens.find((t) => t.officer === `${agency}.liaison`)!.token;

beforeAll(async () => {
  county = await startTestCounty({ agencies: [...DEFAULT_AGENCIES, ADDED] });
  browser = await launchChromium();
  // Something on every screen: a lead shared and referred, a restricted lead asking consent, a
  // case, a supervision order, a joint inspection.
  const health = county.as("health");
  const lead = await health.post<{ leadId: string }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination", "intermediary"],
    target: { kind: "institution", name: "某私人诊所（手机页面）", county: "441723" },
    summary: "群众举报：该诊所夜间为孕妇做B超，并告知胎儿性别。",
  });
  const offered = await health.post<{ referralId: string }>("/referrals", {
    to: "public-security",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "涉嫌非法鉴定胎儿性别，请查处。",
  });
  expect(offered.status).toBe(201);
  await county.as("public-security").post("/cases", {
    title: "某诊所非法鉴定胎儿性别案（手机页面）",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某私人诊所（手机页面）", county: "441723" },
    leads: [],
    referrals: [],
  });
  await county.as("office").post("/supervision", {
    about: { kind: "referral", id: offered.body.referralId },
    reason: "请于三日内接收并答复。",
    answerWithinDays: 3,
  });
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  await county.as("office").post("/inspections", {
    title: "春季联合检查（手机页面）",
    agencies: ["health", "public-security", ADDED.code],
    targets: [{ kind: "institution", name: "某私人诊所（手机页面）", county: "441723" }],
    startsOn: today,
    endsOn: today,
  });
  // The waiting referral has reached public security's own service.
  await eventually(async () => {
    const r = await county
      .as("public-security")
      .get<{ items: { referralId: string }[] }>("/referrals?waiting=true");
    return r.body.items.find((i) => i.referralId === offered.body.referralId);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await county?.cleanup();
});

/** Text a person reads on the screen: its words and the words of its fields' hints. */
type Seen = { text: string; hints: string[] };

/**
 * What the page itself writes, in the page's language: everything but what people wrote
 * (`data-said`), ids (`code`), and what is marked as another language (the language switch).
 */
const pageWords = (page: Page): Promise<Seen> =>
  page.evaluate(() => {
    const pageLang = document.documentElement.lang;
    const skipped = (el: Element | null): boolean => {
      for (let e = el; e; e = e.parentElement) {
        if (e.hasAttribute("data-said") || e.tagName === "CODE") return true;
        if (["SCRIPT", "STYLE", "NOSCRIPT"].includes(e.tagName)) return true;
        const l = e.getAttribute("lang");
        if (l && e !== document.documentElement && l !== pageLang) return true;
      }
      return false;
    };
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (!skipped(n.parentElement)) texts.push(n.textContent ?? "");
    const hints: string[] = [];
    for (const el of document.querySelectorAll("[title],[placeholder],[aria-label]"))
      if (!skipped(el) && el.tagName !== "CODE")
        for (const a of ["title", "placeholder", "aria-label"]) {
          const v = el.getAttribute(a);
          if (v) hints.push(v);
        }
    return { text: texts.join(" "), hints };
  });

/** The page is no wider than the phone, and every control on it is within its width. */
async function fitsThePhone(page: Page, screen: string) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: window.innerWidth,
    outside: [...document.querySelectorAll("button, input, select, textarea, a")]
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && (box.left < -1 || box.right > window.innerWidth + 1))
      .map(({ el }) => el.outerHTML.slice(0, 120)),
  }));
  expect(widths.view, screen).toBe(PHONE.width);
  expect(widths.page, `${screen}: the page is wider than the phone`).toBeLessThanOrEqual(
    PHONE.width,
  );
  expect(widths.outside, `${screen}: controls out of reach`).toEqual([]);
}

/** The codes the services write (`family-planning`, `lead.reported`, `offered`…): never shown. */
const CODES = new Set<string>([
  ...Object.values(VOCABULARY).flat(),
  ...[
    EVENT_TYPE_LABELS,
    CASE_STATUS_LABELS,
    CONSENT_STATUS_LABELS,
    REPORT_STATUS_LABELS,
    SUPERVISION_STATUS_LABELS,
  ].flatMap(Object.keys),
  ...DEFAULT_AGENCIES.map((a) => a.code),
  ADDED.code,
  "undefined",
  "null",
  "NaN",
]);
const rawCodes = (text: string) =>
  (text.match(/[A-Za-z][\w.-]*[A-Za-z]/g) ?? []).filter((w) => CODES.has(w));
/** Latin letters on the Chinese page: only the names of file formats. */
const LATIN = /[A-Za-z]+/g;
const FORMATS = new Set(["CSV", "JSON", "Excel"]);
// Full-width marks (curly quotes, the dash and the ellipsis are English too).
const CHINESE_PUNCTUATION = /[，。、：；（）！？　【】《》〔〕「」]/;
const HAN = /\p{Script=Han}/u;

async function speaksItsLanguage(page: Page, lang: "zh" | "en", screen: string) {
  const { text, hints } = await pageWords(page);
  const all = [text, ...hints].join(" ");
  // In English a one-word code is also a word (`health`, `office`): the Latin check covers Chinese.
  const codes = rawCodes(all).filter((c) => lang === "zh" || /[-.]/.test(c));
  expect(codes, `${screen} (${lang}): raw codes`).toEqual([]);
  if (lang === "zh") {
    // B超 (an ultrasound scanner) is how Chinese says it.
    const english = (all.replaceAll("B超", "").match(LATIN) ?? []).filter((w) => !FORMATS.has(w));
    expect(english, `${screen}: English on the Chinese page`).toEqual([]);
  } else {
    // An agency added by configuration is named as configured (it has no English name).
    const named = ADDED.name;
    const words = all.replaceAll(named, "");
    expect(words.match(CHINESE_PUNCTUATION)?.[0], `${screen}: Chinese punctuation`).toBeUndefined();
    expect(words.match(HAN)?.[0], `${screen}: Chinese on the English page`).toBeUndefined();
  }
}

/** Waits until a screen has loaded what it shows. */
async function settled(page: Page) {
  await page.waitForLoadState("networkidle");
  await eventually(async () =>
    (await page.getByText(/^(加载中…|Loading…)$/).count()) === 0 ? true : undefined,
  );
}

async function openAs(agency: string, lang: "zh" | "en"): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, locale: "zh-CN" });
  await context.addInitScript((l) => localStorage.setItem("liandong.lang", l), lang);
  const page = await context.newPage();
  await page.goto(`${county.urls.office}/`);
  await page.getByTestId("login").waitFor();
  await settled(page);
  await fitsThePhone(page, `login ${lang}`);
  await speaksItsLanguage(page, lang, "login");
  await page.getByTestId("login").locator("select[name=agency]").selectOption(agency);
  await page.getByTestId("login").locator("input[name=token]").fill(token(agency));
  await page.getByTestId("login").locator("button[type=submit]").click();
  await page.getByTestId("who").waitFor();
  return page;
}

/** Every tab of a desk, and `within` for the screens a tab opens. */
async function walk(
  page: Page,
  lang: "zh" | "en",
  desk: string,
  within?: (tab: string) => Promise<void>,
) {
  const tabs = page.locator("nav.tabs > button");
  const names = await tabs.allTextContents();
  expect(names.length).toBeGreaterThan(3);
  for (const [i, name] of names.entries()) {
    await tabs.nth(i).click();
    await settled(page);
    const screen = `${desk}: ${name}`;
    await fitsThePhone(page, screen);
    await speaksItsLanguage(page, lang, screen);
    await within?.(name);
  }
}

it("the browser draws Chinese in a CJK font (Debian's fonts-noto-cjk)", () => {
  expect(cjkFonts().some((f) => /Noto Sans CJK SC/.test(f))).toBe(true);
});

for (const lang of ["zh", "en"] as const) {
  it(`a liaison officer's every screen fits a phone and speaks ${lang} only`, async () => {
    const page = await openAs("public-security", lang);
    await walk(page, lang, "public-security", async (tab) => {
      // The waiting referral shows its lead's facts; its form for a return opens within reach.
      if (tab !== (lang === "zh" ? "收件箱" : "Inbox")) return;
      const facts = page.getByTestId("waiting").getByTestId("lead-facts").first();
      await facts.filter({ hasText: "某私人诊所（手机页面）" }).waitFor();
      await facts.filter({ hasText: "夜间为孕妇做B超" }).waitFor();
      await facts
        .filter({ hasText: VIOLATION_LABELS["illegal-sex-determination"][lang] })
        .first()
        .waitFor();
      await page
        .getByTestId("waiting")
        .getByRole("button", { name: lang === "zh" ? "退回" : "Return" })
        .first()
        .click();
      await fitsThePhone(page, "inbox with a return form");
      await speaksItsLanguage(page, lang, "inbox with a return form");
    });
    await page.context().close();
  });

  it(`the office's every screen fits a phone and speaks ${lang} only`, async () => {
    const page = await openAs("office", lang);
    await walk(page, lang, "office", async (tab) => {
      if (tab === (lang === "zh" ? "统计" : "Statistics")) {
        // The agency added by configuration, by its configured name; the charts in words.
        await page
          .getByTestId("statistics")
          .locator(`tr[data-key="${ADDED.code}"]`)
          .filter({ hasText: ADDED.name })
          .waitFor();
        const bars = await page.getByTestId("chart").getAttribute("aria-label");
        expect(bars).toContain(FIGURE_LABELS.leadsReceived[lang]);
        await page.getByTestId("trend").waitFor();
      }
      if (tab === (lang === "zh" ? "移交督办台账" : "Referral tracker")) {
        // A referral's chain, a screen of its own.
        await page.getByTestId("tracker").locator("tbody tr").first().click();
        await page.getByTestId("verification").waitFor();
        await settled(page);
        await fitsThePhone(page, "chain");
        await speaksItsLanguage(page, lang, "chain");
      }
    });
    await page.context().close();
  });
}

it("the ids the page shows are whole: the API takes them as they are", async () => {
  const page = await openAs("office", "zh");
  const shown =
    (await page.getByTestId("tracker").locator("tbody code").first().textContent()) ?? "";
  expect(shown).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const r = await county.as("office").get(`/tracker/referrals/${shown}`);
  expect(r.status).toBe(200);
  await page.context().close();
});

it("a lead form is emptied once sent, and a second click registers nothing more", async () => {
  const page = await openAs("health", "zh");
  await page.locator("nav.tabs").getByRole("button", { name: "登记线索", exact: true }).click();
  const form = page.getByTestId("register-lead");
  await form.locator("input[value=intermediary]").check();
  await form.locator("input[name=name]").fill("某中介（双击）");
  await form.locator("textarea[name=summary]").fill("双击提交只登记一次");
  const before = await county.as("health").get<{ items: unknown[] }>("/leads");
  await form.locator("button[type=submit]").dblclick();
  await page.getByTestId("registered").waitFor();
  await settled(page);
  expect(await form.locator("input[name=name]").inputValue()).toBe("");
  expect(await form.locator("textarea[name=summary]").inputValue()).toBe("");
  expect(await form.locator("input[value=intermediary]").isChecked()).toBe(false);
  const after = await county.as("health").get<{ items: { target: { name: string } }[] }>("/leads");
  expect(after.body.items.length).toBe(before.body.items.length + 1);
  expect(after.body.items.filter((l) => l.target.name === "某中介（双击）")).toHaveLength(1);
  await page.context().close();
});

it("a path no route has is not found, at the office and at an agency, token or not", async () => {
  for (const url of [county.urls.office!, county.urls.health!]) {
    expect((await fetch(`${url}/no-such-page`)).status).toBe(404);
    expect((await fetch(`${url}/leads/a/b/c`)).status).toBe(404);
  }
  // A route's path still asks for an officer.
  expect((await fetch(`${county.urls.health}/leads`)).status).toBe(401);
});
