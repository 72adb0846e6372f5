// The web page in headless Chromium (Debian's package, driven by playwright-core) against a
// running county: an officer registers a lead and refers it; the addressee accepts it on the
// page; a referral goes overdue on the county's clock; the office issues a supervision order
// from the page; the monthly report downloads. Each officer sees only their own agency's.
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium, loginPage } from "./support/browser.ts";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";
import { feedClients } from "./support/feed.ts";

let county: TestCounty;
let browser: Browser;
const token = (agency: string) =>
  county.tokens.find((t) => t.officer === `${agency}.liaison`)!.token;
const office = () => county.urls.office!;
const tab = (page: Page, name: string) =>
  page.locator("nav.tabs").getByRole("button", { name, exact: true });
const shot = async (page: Page, name: string) => {
  if (process.env.LIANDONG_SCREENSHOTS)
    await page.screenshot({
      path: `${process.env.LIANDONG_SCREENSHOTS}/${name}.png`,
      fullPage: true,
    });
};

beforeAll(async () => {
  county = await startTestCounty({ overdueCheckSeconds: 0.2 });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await county?.cleanup();
});

const INFORMANT = "李举报人";
let leadId = "";
let referralId = "";

it("an officer registers a lead on the page, with an informant kept at home, and refers it", async () => {
  const page = await loginPage(browser, office(), "health", token("health"));
  await page.getByTestId("who").filter({ hasText: "卫生健康部门" }).first().waitFor();
  await tab(page, "登记线索").click();
  const form = page.getByTestId("register-lead");
  await form.locator("select[name=source]").selectOption("public-tip");
  await form.locator("input[value=illegal-sex-determination]").check();
  await form.locator("input[name=name]").fill("某私人诊所（网页登记）");
  await form
    .locator("textarea[name=summary]")
    .fill("群众举报：该诊所夜间为孕妇做B超并告知胎儿性别。");
  await form.locator("input[name=informantName]").fill(INFORMANT);
  await form.locator("input[name=informantPhone]").fill("13800000000");
  await shot(page, "1-register");
  await form.locator("button[type=submit]").click();
  const registered = page.getByTestId("registered");
  await registered.waitFor();
  leadId = (await registered.locator("code").first().textContent()) ?? "";
  expect(leadId).toMatch(/^[0-9a-f-]{36}$/);

  await tab(page, "本部门线索").click();
  const row = page.getByTestId("my-leads").locator(`tr[data-key="${leadId}"]`);
  await row.getByRole("button", { name: "移交" }).click();
  const refer = row.getByTestId("refer-form");
  await refer.locator("select[name=to]").selectOption("public-security");
  await refer.locator("input[name=reason]").fill("涉嫌非法鉴定胎儿性别，请公安机关查处");
  await refer.locator("button[type=submit]").click();
  await row.getByRole("status").waitFor();
  await shot(page, "2-referred");

  // The page went to health's own service: the referral is on record there.
  const mine = await county
    .as("health")
    .get<{ items: { referralId: string; about: { id: string } }[] }>("/referrals");
  referralId = mine.body.items.find((r) => r.about.id === leadId)?.referralId ?? "";
  expect(referralId).not.toBe("");
  await page.context().close();
});

it("the addressee sees it waiting and accepts it on the page; another agency does not see it", async () => {
  const page = await loginPage(browser, office(), "public-security", token("public-security"));
  const waiting = page.getByTestId("waiting");
  const row = waiting.locator(`tr[data-key="${referralId}"]`);
  await eventually(async () => {
    if (await row.count()) return true;
    await page.getByRole("button", { name: "刷新" }).first().click();
    return undefined;
  });
  await row.filter({ hasText: "卫生健康部门" }).first().waitFor();
  await shot(page, "3-waiting");
  await row.getByRole("button", { name: "接收" }).click();
  await row.waitFor({ state: "detached" });
  const accepted = await county
    .as("public-security")
    .get<{ status: string; holder: string }>(`/referrals/${referralId}`);
  expect(accepted.body).toMatchObject({ status: "accepted", holder: "public-security" });

  // Family planning, not a party, sees none of it.
  const other = await loginPage(browser, office(), "family-planning", token("family-planning"));
  await tab(other, "移交").click();
  await other.getByTestId("referrals").or(other.getByText("暂无")).first().waitFor();
  expect(await other.locator(`tr[data-key="${referralId}"]`).count()).toBe(0);
  await page.context().close();
  await other.context().close();
});

it("a referral handed to an agency shows up on its open page the moment it arrives", async () => {
  const page = await loginPage(browser, office(), "public-security", token("public-security"));
  await page.getByTestId("waiting").or(page.getByText("暂无")).first().waitFor();
  // Subscribed: the page's feed is connected before the offer is made.
  await eventually(async () => (await feedClients(county.as("public-security"))) > 0 || undefined);
  const offered = await county.as("health").post<{ referralId: string }>("/referrals", {
    to: "public-security",
    about: { kind: "lead", id: leadId },
    reason: "补充线索，请一并核查",
  });
  expect(offered.status).toBe(201);
  // No refresh clicked: the feed brought it.
  await page
    .getByTestId("waiting")
    .locator(`tr[data-key="${offered.body.referralId}"]`)
    .waitFor({ timeout: 10_000 });
  await page.context().close();
});

it("a lead shared with an agency shows up in its open page's shared leads without a reload", async () => {
  const page = await loginPage(browser, office(), "public-security", token("public-security"));
  const shared = page.getByTestId("shared-leads");
  // Listed before the share: the lead shared by the first test is there, the next one is not yet.
  await shared.locator(`tr[data-key="${leadId}"]`).waitFor();
  // Subscribed: both of the page's feeds (hand-offs waiting, shared leads) are connected.
  await eventually(async () => (await feedClients(county.as("public-security"))) > 1 || undefined);
  const lead = await county.as("health").post<{ leadId: string; sharedWith: string[] }>("/leads", {
    source: "public-tip",
    violations: ["illegal-sex-determination"],
    target: { kind: "institution", name: "某诊所（网页线索动态）", county: "441723" },
    summary: "群众举报：该诊所为孕妇鉴定胎儿性别。",
  });
  expect(lead.body.sharedWith).toContain("public-security");
  // No refresh clicked: the inbox's feed brought it.
  await shared.locator(`tr[data-key="${lead.body.leadId}"]`).waitFor({ timeout: 10_000 });
  await page.context().close();
});

it("the addressee opens a case from the referral and closes it on the page, within its powers", async () => {
  const page = await loginPage(browser, office(), "public-security", token("public-security"));
  await tab(page, "案件").click();
  const open = page.getByTestId("open-case");
  await open.locator("input[name=title]").fill("某私人诊所非法鉴定胎儿性别案");
  await open.locator("select[name=violation]").selectOption("illegal-sex-determination");
  await open.locator("input[name=name]").fill("某私人诊所（网页登记）");
  await open
    .locator(`select[name=from] option[value="referral:${referralId}"]`)
    .waitFor({ state: "attached" });
  await open.locator("select[name=from]").selectOption(`referral:${referralId}`);
  await open.locator("button[type=submit]").click();
  const row = page
    .getByTestId("cases")
    .locator("tr")
    .filter({ hasText: "某私人诊所非法鉴定胎儿性别案" });
  await row.getByRole("button", { name: "结案" }).click();
  const close = row.getByTestId("close-case");
  await close.locator("input[name=summary]").fill("查实后移送司法机关");
  // A licence is health's to revoke, not public security's: refused, the field named.
  await close.locator("select[name=sanction]").selectOption("revoke-institution-licence");
  await close.locator("button[type=submit]").click();
  await close.getByRole("alert").filter({ hasText: "sanctions.0.kind" }).waitFor();
  await close.locator("select[name=sanction]").selectOption("transfer-to-judiciary");
  await close.locator("button[type=submit]").click();
  await row.filter({ hasText: "已结案" }).waitFor();
  await shot(page, "3b-case");
  const cases = await county
    .as("public-security")
    .get<{ items: { referrals: string[]; status: string; sanctions: { kind: string }[] }[] }>(
      "/cases",
    );
  expect(cases.body.items.find((c) => c.referrals.includes(referralId))).toMatchObject({
    status: "closed",
    sanctions: [{ kind: "transfer-to-judiciary" }],
  });
  await page.context().close();
});

it("a restricted lead is referred on the page only with its originator's consent, answered on the page", async () => {
  const lead = await county.as("family-planning").post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象（网页征求意见）", county: "441723" },
    summary: "随访对象要求未经同意不得转递",
    handling: ["no-forward-without-consent"],
  });
  const leadId = lead.body.leadId;
  // Health received it; it refers it to public security from its inbox.
  const health = await loginPage(browser, office(), "health", token("health"));
  const row = health.getByTestId("shared-leads").locator(`tr[data-key="${leadId}"]`);
  await eventually(async () => {
    if (await row.count()) return true;
    await health.reload();
    return undefined;
  });
  await row.getByRole("button", { name: "移交" }).click();
  const refer = row.getByTestId("refer-form");
  await refer.locator("select[name=to]").selectOption("public-security");
  await refer.locator("input[name=reason]").fill("请公安机关协查");
  await refer.locator("button[type=submit]").click();
  await row.getByTestId("refer-done").filter({ hasText: "已征求其同意" }).waitFor();
  await health.context().close();

  // Family planning, the originator, answers on its inbox.
  const fp = await loginPage(browser, office(), "family-planning", token("family-planning"));
  const asked = fp
    .getByTestId("consents-waiting")
    .locator("tr")
    .filter({ hasText: "请公安机关协查" });
  await eventually(async () => {
    if (await asked.count()) return true;
    await fp.reload();
    return undefined;
  });
  await shot(fp, "3c-consent");
  await asked.getByRole("button", { name: "同意转递" }).click();
  await asked.waitFor({ state: "detached" });
  await fp.context().close();

  // The referral follows, offered once to public security.
  const waiting = await eventually(async () => {
    const r = await county
      .as("public-security")
      .get<{ items: { about: { id: string }; from: string }[] }>("/referrals?waiting=true");
    return r.body.items.find((i) => i.about.id === leadId);
  });
  expect(waiting.from).toBe("health");
});

it("an officer's token does not open another agency's desk", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${office()}/`);
  await page.getByTestId("login").locator("select[name=agency]").selectOption("office");
  await page.getByTestId("login").locator("input[name=token]").fill(token("health"));
  await page.getByTestId("login").locator("button[type=submit]").click();
  await page.getByRole("alert").filter({ hasText: "无权以其他部门身份操作" }).first().waitFor();
  await context.close();
});

it("a referral goes overdue on the county's clock; the office supervises it from the page", async () => {
  const fp = county.as("family-planning");
  const lead = await fp.post<{ leadId: string }>("/leads", {
    source: "pregnancy-disappearance",
    violations: ["sex-selective-termination"],
    target: { kind: "person", name: "随访对象（网页督办）", county: "441723" },
    summary: "末次随访孕20周，现已无孕",
  });
  const offered = await fp.post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: lead.body.leadId },
    reason: "请核查引产情况",
  });
  const overdueId = offered.body.referralId;
  // Four days pass on every service's clock: the 3-day acceptance deadline is behind us.
  county.setClockOffset(4 * 86_400_000);

  const page = await loginPage(browser, office(), "office", token("office"));
  await page.getByTestId("who").filter({ hasText: "领导小组办公室" }).first().waitFor();
  await tab(page, "逾期移交").click();
  const row = page.getByTestId("overdue").locator(`tr[data-key="${overdueId}"]`);
  await eventually(async () => {
    if (await row.count()) return true;
    await page.getByRole("button", { name: "刷新" }).click();
    return undefined;
  }, 20_000);
  await row.filter({ hasText: "接收逾期" }).first().waitFor();
  await shot(page, "4-overdue");
  await row.getByRole("button", { name: "下达督办" }).click();
  const order = row.getByTestId("order-form");
  await order.locator("input[name=reason]").fill("移交逾期未接收，请于三日内接收并答复");
  await order.locator("button[type=submit]").click();
  await order.waitFor({ state: "detached" });
  await tab(page, "督办").click();
  await page.getByTestId("orders").filter({ hasText: "移交逾期未接收" }).first().waitFor();
  await shot(page, "5-orders");
  const orders = await county
    .as("office")
    .get<{ items: { about: { id: string }; to: string }[] }>("/supervision");
  expect(orders.body.items.find((o) => o.about.id === overdueId)).toMatchObject({ to: "health" });

  // Health answers the order on its own page; the office sees it answered.
  const health = await loginPage(browser, office(), "health", token("health"));
  await tab(health, "督办").click();
  const answer = health.getByTestId("answer-form");
  await answer.locator("input[name=answer]").fill("已接收并安排核查");
  await answer.locator("button[type=submit]").click();
  await health.getByTestId("my-orders").filter({ hasText: "已答复" }).waitFor();
  await health.context().close();
  await eventually(async () => {
    const r = await county
      .as("office")
      .get<{ items: { about: { id: string }; status: string }[] }>("/supervision");
    return r.body.items.find((o) => o.about.id === overdueId && o.status === "answered");
  });

  // The chain of the first referral, verified, on the office's page.
  await tab(page, "移交督办台账").click();
  await page.getByTestId("tracker").locator(`tr[data-key="${referralId}"]`).click();
  await page.getByTestId("verification").filter({ hasText: "校验通过" }).first().waitFor();
  await page.getByTestId("trail").filter({ hasText: "接收" }).first().waitFor();
  await shot(page, "6-chain");
  // Nothing the office's pages showed names the informant.
  expect(await page.content()).not.toContain(INFORMANT);
  await page.context().close();
});

it("the office downloads the monthly report; the page switches to English", async () => {
  const page = await loginPage(browser, office(), "office", token("office"));
  await tab(page, "月报").click();
  const report = page.getByTestId("report");
  await report.waitFor();
  await shot(page, "7-report");
  // The county by its name, the 合计 row the CSV has, and "—" for a rate over nothing.
  await page.getByTestId("report-title").filter({ hasText: "阳东县（441723）" }).waitFor();
  await report.locator('tr[data-key="total"]').filter({ hasText: "合计" }).waitFor();
  await report.locator('tr[data-key="commerce"]').filter({ hasText: "—" }).waitFor();
  expect(await report.textContent()).not.toMatch(/NaN|undefined/);
  const officeMonth = await page.locator("input[name=month]").inputValue();
  // An agency's report page opens at the same month as the office's.
  const desk = await loginPage(browser, office(), "health", token("health"));
  await tab(desk, "月报").click();
  await desk.getByTestId("report-form").waitFor();
  expect(await desk.locator("input[name=month]").inputValue()).toBe(officeMonth);
  await desk.context().close();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("download-csv").click(),
  ]);
  const csv = readFileSync((await download.path())!);
  expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  expect(download.suggestedFilename()).toMatch(/^report-441723-\d{4}-\d{2}\.csv$/);
  const text = csv.toString("utf8");
  expect(text).toContain("部门");
  expect(text).toContain("卫生健康部门");
  expect(text).not.toContain(INFORMANT);

  await tab(page, "统计").click();
  await page.getByTestId("chart").waitFor();
  // The figures the page shows are the office's: health registered this month's leads.
  const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
  const stats = await county
    .as("office")
    .get<{ rows: { agency: string; violation: string; figures: { leadsRegistered: number } }[] }>(
      `/statistics?month=${month}`,
    );
  const registered = stats.body.rows.find((r) => r.agency === "health" && r.violation === "all")
    ?.figures.leadsRegistered;
  expect(registered).toBeGreaterThanOrEqual(1);
  await page
    .getByTestId("statistics")
    .locator('tr[data-key="health"] td')
    .nth(1)
    .filter({ hasText: new RegExp(`^${registered}$`) })
    .waitFor();
  await page.getByTestId("lang").click();
  await page.getByRole("heading", { level: 1 }).filter({ hasText: "Liandong" }).first().waitFor();
  await page.getByRole("button", { name: "Statistics" }).waitFor();
  await shot(page, "8-english");
  await page.context().close();
});
