// Signing up, logging out and in, a wrong password explained beside its field, and a
// forgotten password reset through the mail outbox — in a real browser.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, PASSWORD, checkPage, confirmEmail, launch, logIn, mailTo, openPage, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a visitor signs up, is welcomed, logs out and logs back in", async () => {
  const page = await openPage(browser);
  const handle = uniqueHandle("ada");
  await page.goto(BASE);
  await checkPage(page, "landing");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL(`${BASE}/signup`);
  await checkPage(page, "signup");

  // A weak password: the form comes back with what was typed and the reason beside the field.
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Your name (optional)").fill("Ada Lovelace");
  await page.getByLabel("Email (optional)").fill(`${handle}@example.org`);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await assert.doesNotReject(page.locator("#password-error").waitFor());
  assert.match(await page.locator("#password-error").innerText(), /at least 10 characters/);
  assert.equal(await page.getByLabel("Handle").inputValue(), handle);
  assert.equal(await page.getByLabel("Your name (optional)").inputValue(), "Ada Lovelace");
  assert.equal(await page.getByLabel("Password").inputValue(), "", "a password is never sent back");
  assert.equal(await page.getByLabel("Password").getAttribute("aria-invalid"), "true");
  await checkPage(page, "signup-invalid");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${BASE}/`);
  await assert.doesNotReject(page.getByText("Welcome to Weft!").waitFor());
  assert.match(await page.locator("h1").innerText(), /Hello, Ada Lovelace/);
  await checkPage(page, "home-new");

  // Log out from the account menu.
  await page.locator(".account-menu summary").click();
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${BASE}/`);
  await assert.doesNotReject(page.getByText("You are logged out").waitFor());
  assert.ok(await page.getByRole("link", { name: "Log in" }).count() >= 1);

  await logIn(page, handle);
  await assert.doesNotReject(page.getByText("Welcome back").waitFor());
  assert.match(await page.locator("h1").innerText(), /Hello, Ada Lovelace/);
  await page.context().close();
});

test("a wrong password is explained beside the field", async () => {
  const page = await openPage(browser);
  const handle = uniqueHandle("bo");
  await fetch(`${BASE}/api/v1/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD }),
  });
  await page.goto(`${BASE}/login`);
  await checkPage(page, "login");
  await page.getByLabel("Handle or email").fill(handle);
  await page.getByLabel("Password", { exact: true }).fill("not-my-password-at-all");
  await page.getByRole("button", { name: "Log in" }).click();
  const error = page.locator("#password-error");
  await error.waitFor();
  assert.match(await error.innerText(), /do not match/);
  assert.equal(await page.getByLabel("Handle or email").inputValue(), handle);
  assert.equal(page.url(), `${BASE}/login`);
  await checkPage(page, "login-wrong-password");
  await page.context().close();
});

test("a forgotten password is reset through the mailed link", async () => {
  const page = await openPage(browser);
  const handle = uniqueHandle("cy");
  await fetch(`${BASE}/api/v1/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD, email: `${handle}@example.org` }),
  });
  await confirmEmail(`${handle}@example.org`);
  await page.goto(`${BASE}/login`);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.waitForURL(`${BASE}/forgot-password`);
  await checkPage(page, "forgot-password");
  await page.getByLabel("Handle or email").fill(`${handle}@example.org`);
  await page.getByRole("button", { name: "Mail me a link" }).click();
  await page.getByRole("heading", { name: "Check your mail" }).waitFor();
  await checkPage(page, "forgot-password-sent");

  const [link] = await mailTo(`${handle}@example.org`, /\/reset-password\/weft_rst_[A-Za-z0-9_-]+/);
  await page.goto(BASE + link);
  await checkPage(page, "reset-password");
  const fresh = "a-brand-new-secret-2026";
  await page.getByLabel("New password").fill(fresh);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.waitForURL(`${BASE}/login`);
  await assert.doesNotReject(page.getByText("Your password is changed").waitFor());

  // The old password no longer works; the new one does; the link works once.
  await page.getByLabel("Handle or email").fill(handle);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#password-error").waitFor();
  await logIn(page, handle, fresh);
  await page.goto(BASE + link);
  await page.getByLabel("New password").fill("yet-another-secret-2027");
  await page.getByRole("button", { name: "Set password" }).click();
  await assert.doesNotReject(page.getByText(/already used|not valid|expired/).waitFor());
  await page.context().close();
});
