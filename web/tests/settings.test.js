// One's settings in the browser: what reaches you from each group and the digest, access
// tokens made with scopes and shown once, and the sessions of one's devices.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("settings: mute a group, take the digest, make and revoke a token, end a session", async () => {
  const me = await person("tuner");
  const group = uniqueHandle("loud");
  await api("POST", "/api/v1/groups", {
    token: me.token,
    body: { handle: group, name: "Loud Group", visibility: "public", join_policy: "open" },
  });
  const page = await openPage(browser);
  await logIn(page, me.handle);

  await page.goto(`${BASE}/settings/notifications`);
  await checkPage(page, "settings-notifications");
  await page.getByLabel(/Loud Group/).selectOption("mute");
  await page.getByLabel(/Mail me once a day/).check();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Saved.").waitFor();
  const saved = await api("GET", "/api/v1/notifications/settings", { token: me.token });
  assert.equal(saved.daily_digest, true);
  assert.equal(saved.groups.find((g) => g.group.handle === group).level, "mute");

  await page.getByRole("link", { name: "Access tokens" }).click();
  await checkPage(page, "settings-tokens");
  await page.getByLabel("What it is for").fill("backup script");
  await page.getByRole("button", { name: "Make token" }).click();
  const secret = (await page.locator("#new-token").innerText()).trim();
  assert.match(secret, /^weft_pat_/);
  const who = await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(who.status, 200, "the token works");
  await page.goto(`${BASE}/settings/tokens`);
  assert.equal(await page.locator("#new-token").count(), 0, "shown once");
  await page.getByRole("button", { name: "Revoke backup script" }).click();
  await page.getByText("Saved.").waitFor();
  const after = await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401, "revoked");

  await page.getByRole("link", { name: "Sessions" }).click();
  await checkPage(page, "settings-sessions");
  assert.equal(await page.getByText("this device").count(), 1);
  // The API session made by person() is another device: end it.
  await page.getByRole("button", { name: /^End/ }).first().click();
  await page.getByText("Saved.").waitFor();
  const gone = await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${me.token}` } });
  assert.equal(gone.status, 401, "the other session ended");
  await page.getByRole("button", { name: /^Log out/ }).click();
  await page.waitForURL(`${BASE}/`);
  assert.ok(await page.getByRole("link", { name: "Log in" }).count() >= 1);
  await page.context().close();
});
