import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium (installed by `npm test`'s setup), or the one named by LIANDONG_CHROMIUM. */
export function chromiumPath(): string {
  const path = process.env.LIANDONG_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(path))
    throw new Error(
      `no Chromium at ${path}: run \`npm test\` (it installs Debian's chromium) or set LIANDONG_CHROMIUM`,
    );
  return path;
}

/** The fonts fontconfig has for Chinese (family names), as Chromium finds them. */
export function cjkFonts(): string[] {
  const r = spawnSync("fc-list", [":lang=zh", "family"], { encoding: "utf8" });
  return (r.stdout ?? "").split("\n").filter((line) => line.trim() !== "");
}

/**
 * Chromium, headless, drawing the page as an officer sees it: with a CJK font (Debian's
 * fonts-noto-cjk, installed by `npm test`'s setup), else it refuses to start.
 */
export function launchChromium(): Promise<Browser> {
  if (!cjkFonts().some((f) => /Noto (Sans|Serif) CJK/.test(f)))
    throw new Error(
      "no CJK font (fc-list :lang=zh): run `npm test` (it installs Debian's fonts-noto-cjk)",
    );
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // This machine's network is closed: no background connections, no sync, no updates.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens the office's page in a fresh context and logs in as one officer. */
export async function loginPage(
  browser: Browser,
  officeUrl: string,
  agency: string,
  token: string,
): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(`${officeUrl}/`);
  await page.getByTestId("login").locator("select[name=agency]").selectOption(agency);
  await page.getByTestId("login").locator("input[name=token]").fill(token);
  await page.getByTestId("login").locator("button[type=submit]").click();
  await page.getByTestId("who").waitFor();
  return page;
}
