// What every browser test shares: a headless Chromium (Debian's), pages that record console
// errors, CSP violations and any request leaving Weft's origin, a check of each page
// (title, axe-core in light and dark, no sideways scroll at 360 px, screenshots at 1280 and
// 360 px), the mail outbox and a little of the API to set scenes up.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const BASE = process.env.WEFT_URL;
const DATA_DIR = process.env.WEFT_DATA_DIR;
const SHOTS = process.env.WEFT_SCREENSHOTS;
if (!BASE || !DATA_DIR || !SHOTS) {
  throw new Error("run through web/tests/run, which starts Weft and sets WEFT_URL");
}

export const PASSWORD = "tangerine-orbit-cello-47";

let serial = 0;
/** A handle no other test uses. */
export function uniqueHandle(stem) {
  serial += 1;
  return `${stem}${process.pid % 10000}${serial}`;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
}

/** A fresh browser context (its own cookies) and a page in it that records problems. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const origin = new URL(BASE).origin;
  page.problems = [];
  page.on("console", (m) => {
    // A page answered with an error status is logged too; the statuses are checked by the
    // tests themselves, and a failing asset by the response listener below.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      page.problems.push(`console: ${m.text()}`);
    }
  });
  page.on("response", (r) => {
    if (r.request().resourceType() !== "document" && r.status() >= 400) {
      page.problems.push(`${r.status()} for ${r.url()}`);
    }
  });
  page.on("pageerror", (e) => page.problems.push(`script error: ${e.message}`));
  page.on("request", (r) => {
    const url = new URL(r.url());
    if ((url.protocol === "http:" || url.protocol === "https:") && url.origin !== origin) {
      page.problems.push(`a request left the origin: ${r.url()}`);
    }
  });
  return page;
}

async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!loaded) await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Checks the page as it stands and saves its screenshots as `name-1280.png`, `name-360.png`. */
export async function checkPage(page, name) {
  const title = await page.title();
  assert.match(title, /\S · Weft$/, `${name}: every page has its own <title>`);
  assert.equal(await page.locator("h1").count(), 1, `${name}: one <h1>`);
  for (const scheme of ["light", "dark"]) {
    // Colours ease between themes: let them settle before measuring contrast.
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(400);
    assert.deepEqual(await axeViolations(page), [], `${name} (${scheme}): axe finds nothing serious`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways at ${width} px (${scroll} px wide)`);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(page.problems, [], `${name}: no console errors, CSP violations or outside requests`);
}

/** The first match of `pattern` in the newest mail to `address`, waiting for it to be sent. */
export async function mailTo(address, pattern) {
  const dir = join(DATA_DIR, "outbox");
  for (let attempt = 0; attempt < 100; attempt++) {
    let files = [];
    try { files = readdirSync(dir).sort().reverse(); } catch { /* no mail yet */ }
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      if (!text.includes(address)) continue;
      const found = text.match(pattern);
      if (found) return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${address} in ${dir} matches ${pattern}`);
}

/** Calls the JSON API; answers the parsed body, failing on an unexpected status. */
export async function api(method, path, { token, body, expect = [200, 201, 202, 204] } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(expect.includes(response.status), `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Confirms a sign-up's address through the link mailed to it, as its owner would. */
export async function confirmEmail(address) {
  const [token] = await mailTo(address, /weft_eml_[A-Za-z0-9_-]+/);
  await api("POST", "/api/v1/email-confirmations", { body: { token } });
}

/** An account made through the API, with its address confirmed, and a session token for it. */
export async function person(stem) {
  const handle = uniqueHandle(stem);
  await api("POST", "/api/v1/accounts", {
    body: { handle, password: PASSWORD, email: `${handle}@example.org` },
  });
  await confirmEmail(`${handle}@example.org`);
  const session = await api("POST", "/api/v1/sessions", { body: { handle, password: PASSWORD } });
  return { handle, token: session.token };
}

/** Logs the page's browser in through the form. */
export async function logIn(page, handle, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel("Handle or email").fill(handle);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${BASE}/`);
}
