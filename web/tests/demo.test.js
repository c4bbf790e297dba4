// What a newcomer sees after `make run`: the demo community, clicked through as its owner.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, checkPage, launch, logIn, openPage } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the demo community can be clicked through as amara", async () => {
  const page = await openPage(browser);
  await logIn(page, "amara", "weft-demo-password");
  assert.match(await page.locator("h1").innerText(), /Hello, Amara/);
  assert.ok((await page.locator("#inbox li").count()) > 0, "the demo has happened: the inbox is not empty");
  await checkPage(page, "demo-dashboard");
  // The same inbox grouped: a section per group, with the tools each item came from.
  await page.getByRole("link", { name: "By group" }).click();
  await page.waitForURL(`${BASE}/?view=grouped`);
  for (const group of ["Riverside Commons", "Community Garden", "Food Co-op", "Stewards"]) {
    assert.equal(await page.getByRole("heading", { name: group }).count(), 1, `a section for ${group}`);
  }
  await checkPage(page, "demo-dashboard-grouped");

  await page.locator(".switcher summary").click();
  await page.getByRole("navigation", { name: "Your groups" }).getByRole("link", { name: /Riverside Commons/ }).click();
  await page.waitForURL(`${BASE}/groups/riverside`);
  for (const sub of ["Community Garden", "Food Co-op", "Stewards"]) {
    assert.ok(await page.getByRole("link", { name: new RegExp(sub) }).count(), `${sub} is a subgroup`);
  }
  await checkPage(page, "demo-group");

  await page.getByRole("link", { name: "All members and roles" }).click();
  await page.waitForURL(`${BASE}/groups/riverside/members`);
  assert.ok((await page.locator(".list__item").count()) >= 5);
  await checkPage(page, "demo-members");

  await page.goto(`${BASE}/groups/riverside/requests`);
  await checkPage(page, "demo-requests");
  await page.goto(`${BASE}/groups/riverside/invite`);
  await checkPage(page, "demo-invite");
  await page.goto(`${BASE}/groups`);
  await checkPage(page, "demo-directory");
  await page.context().close();
});
