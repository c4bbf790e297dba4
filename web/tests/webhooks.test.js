// A group's webhooks in the browser: the tab for those who manage the group's tools, adding
// an endpoint (its secret shown once), its deliveries with their attempts, sending one again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("an admin adds a webhook, sees its deliveries and sends one again", async () => {
  const admin = await person("hooks");
  const member = await person("joiner");
  const group = `hooked${Date.now() % 100000}`;
  await api("POST", "/api/v1/groups", {
    token: admin.token,
    body: { handle: group, name: "Hooked Collective", visibility: "public", join_policy: "open" },
  });
  const page = await openPage(browser);
  await logIn(page, admin.handle);
  await page.goto(`${BASE}/groups/${group}`);
  await page.getByRole("navigation", { name: "Hooked Collective" }).getByRole("link", { name: "Webhooks" }).click();
  await page.waitForURL(`${BASE}/groups/${group}/webhooks`);
  await checkPage(page, "webhooks-empty");

  // A wrong address is explained beside the field.
  await page.getByLabel("Address").fill("not a url");
  await page.getByRole("button", { name: "Add webhook" }).click();
  await page.locator("#url-error").waitFor();

  // Nothing listens on port 9: deliveries fail and wait to be tried again.
  const url = "http://127.0.0.1:9/hook";
  await page.getByLabel("Address").fill(url);
  await page.getByRole("button", { name: "Add webhook" }).click();
  const secret = page.locator("#new-secret");
  await secret.waitFor();
  assert.match(await secret.innerText(), /^whsec_/);
  await checkPage(page, "webhooks");

  await api("POST", `/api/v1/groups/${group}/members`, { token: member.token, body: {} });
  await page.getByRole("link", { name: url }).click();
  await page.getByRole("cell", { name: "Join" }).first().waitFor({ timeout: 10000 }).catch(async () => {
    await page.reload();
    await page.getByRole("cell", { name: "Join" }).first().waitFor({ timeout: 10000 });
  });
  // The first attempt fails at once; then the page shows its answer and the next try.
  for (let i = 0; i < 50 && (await page.locator("td.num").first().innerText()) === "0"; i++) {
    await page.waitForTimeout(100);
    await page.reload();
  }
  assert.notEqual(await page.locator("td.num").first().innerText(), "0", "the delivery was tried");
  await checkPage(page, "webhook-deliveries");
  await page.getByRole("button", { name: /Send again/ }).first().click();
  await page.getByText("Queued: it is being sent again now.").waitFor();

  // A member who does not manage the group's tools sees no tab, and the page refuses them.
  const other = await openPage(browser);
  await logIn(other, member.handle);
  await other.goto(`${BASE}/groups/${group}`);
  assert.equal(await other.getByRole("link", { name: "Webhooks" }).count(), 0);
  const refused = await other.goto(`${BASE}/groups/${group}/webhooks`);
  assert.equal(refused.status(), 403);
  await page.context().close();
  await other.context().close();
});
