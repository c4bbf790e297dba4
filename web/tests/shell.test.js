// The shell and the design language: /ui, the pages of someone logged in, the live bell,
// error pages, keyboard use, pages without JavaScript, CSRF refusal and security headers.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, PASSWORD, api, checkPage, launch, logIn, openPage, person } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("/ui documents the design language with live examples", async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE}/ui`);
  assert.equal(await page.locator("h1").innerText(), "Design language");
  for (const part of ["Buttons", "Forms", "Cards", "Tables", "Badges", "Tabs", "Avatars", "Toasts", "Modals"]) {
    assert.ok(await page.getByRole("heading", { name: part, exact: false }).count() > 0, `/ui shows ${part}`);
  }
  assert.ok(await page.locator(".btn--primary").count() > 0, "live buttons, not pictures of them");
  await checkPage(page, "ui");
  // The stylesheet is served to other origins, so outside tools can use it.
  const css = await fetch(`${BASE}/assets/weft.css`);
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("access-control-allow-origin"), "*");
  assert.match(css.headers.get("content-type"), /text\/css/);
  await page.context().close();
});

test("someone logged in moves through their pages, and the bell counts live", async () => {
  const owner = await person("ona");
  const me = await person("mo");
  const group = `garden${Date.now() % 100000}`;
  await api("POST", "/api/v1/groups", {
    token: owner.token,
    body: { handle: group, name: "Riverside Garden", description: "We grow things together.", visibility: "public", join_policy: "request" },
  });

  const page = await openPage(browser);
  await logIn(page, me.handle);
  await checkPage(page, "home");
  assert.equal(await page.locator(".bell__count").isHidden(), true, "no unread items yet");

  // The owner invites me while my page is open: the bell shows it without a reload.
  await page.locator("body[data-live=open]").waitFor();
  await api("POST", `/api/v1/groups/${group}/invitations`, { token: owner.token, body: { account: me.handle } });
  await page.locator(".bell__count:not([hidden])").waitFor({ timeout: 10000 });
  assert.match(await page.locator(".bell__count").innerText(), /^1/);
  // The invitation arrived on the dashboard too, live, and is answered right there.
  await page.getByRole("button", { name: "Accept the invitation" }).click();
  await page.waitForURL(`${BASE}/groups/${group}`);
  await page.getByText("Welcome! You are a member now.").waitFor();

  await page.goto(`${BASE}/groups`);
  await checkPage(page, "groups");
  await page.getByRole("link", { name: /Riverside Garden/ }).click();
  await page.waitForURL(`${BASE}/groups/${group}`);
  assert.equal(await page.locator("h1").innerText(), "Riverside Garden");
  await checkPage(page, "group");

  await page.goto(`${BASE}/@${owner.handle}`);
  await checkPage(page, "profile");

  await page.goto(`${BASE}/settings`);
  await checkPage(page, "settings");
  await page.getByLabel("Name", { exact: true }).fill("Mo Farah");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(`${BASE}/settings`);
  await page.getByText("Saved.").waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Mo Farah");

  // The group switcher lists my groups once I belong to one.
  await page.goto(BASE);
  await page.locator(".switcher summary").click();
  await page.getByRole("navigation", { name: "Your groups" }).getByRole("link", { name: /Riverside Garden/ }).click();
  await page.waitForURL(`${BASE}/groups/${group}`);
  await page.context().close();
});

test("error pages come in the same design, with the right status", async () => {
  const page = await openPage(browser);
  const missing = await page.goto(`${BASE}/no/such/page`);
  assert.equal(missing.status(), 404);
  assert.equal(await page.locator("h1").innerText(), "Page not found");
  await checkPage(page, "error-404");

  // A secret group is a 404 to outsiders, not a 403 that would tell it exists.
  const owner = await person("sec");
  const secret = `hidden${Date.now() % 100000}`;
  await api("POST", "/api/v1/groups", {
    token: owner.token,
    body: { handle: secret, name: "Hidden", visibility: "secret", join_policy: "invite" },
  });
  const hidden = await page.goto(`${BASE}/groups/${secret}`);
  assert.equal(hidden.status(), 404);

  // A form posted without its token is refused with the 403 page.
  const forged = await page.request.post(`${BASE}/login`, {
    headers: { accept: "text/html" },
    form: { handle: owner.handle, password: PASSWORD },
  });
  assert.equal(forged.status(), 403);
  assert.match(await forged.text(), /Not allowed/);

  // A page that needs a session sends a visitor to log in, then back.
  await page.goto(`${BASE}/settings`);
  assert.equal(page.url(), `${BASE}/login?next=%2Fsettings`);
  await page.getByLabel("Handle or email").fill(owner.handle);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${BASE}/settings`);
  await page.context().close();
});

test("pages work without JavaScript", async () => {
  const me = await person("nojs");
  const page = await openPage(browser, { javaScriptEnabled: false });
  await logIn(page, me.handle);
  assert.match(await page.locator("h1").innerText(), /Hello/);
  // The account menu is a <details>: it opens without script, and logging out works.
  await page.locator(".account-menu summary").click();
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${BASE}/`);
  assert.ok(await page.getByRole("link", { name: "Log in" }).count() >= 1);
  await page.context().close();
});

test("the keyboard reaches everything, starting with a skip link", async () => {
  const me = await person("keys");
  const page = await openPage(browser);
  await logIn(page, me.handle);
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement.textContent.trim());
  assert.equal(first, "Skip to content");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none", "focus is visible");
  // Open the account menu from the keyboard and close it with Escape.
  for (let i = 0; i < 8; i++) {
    const inMenu = await page.evaluate(() => !!document.activeElement.closest(".account-menu"));
    if (inMenu) break;
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Enter");
  assert.equal(await page.locator(".account-menu[open]").count(), 1);
  await page.keyboard.press("Escape");
  assert.equal(await page.locator(".account-menu[open]").count(), 0);
  await page.context().close();
});

test("every page carries the security headers", async () => {
  for (const path of ["/", "/login", "/ui", "/groups"]) {
    const response = await fetch(BASE + path);
    const csp = response.headers.get("content-security-policy");
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.ok(response.headers.get("referrer-policy"));
  }
});
