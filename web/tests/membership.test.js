// Belonging, in two browsers at once: a founder starts a group and makes an invitation link;
// a friend signs up through it and joins, and the founder's dashboard shows it arrive live;
// someone asks to join and the founder approves; a member leaves.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, PASSWORD, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a founder invites a friend by link, sees them arrive live, approves a request; a member leaves", async () => {
  const founder = await person("founder");
  const page = await openPage(browser);
  await logIn(page, founder.handle);

  // Start a group by form.
  const handle = uniqueHandle("allot");
  await page.getByRole("link", { name: "Start a group" }).first().click();
  await page.waitForURL(`${BASE}/groups/new`);
  await checkPage(page, "group-new");
  await page.getByLabel("Name").fill("Allotment Society");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("How people join").selectOption("request");
  await page.getByRole("button", { name: "Start the group" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}`);
  assert.equal(await page.locator("h1").innerText(), "Allotment Society");

  // Make a link.
  await page.getByRole("link", { name: "Invite people" }).click();
  await page.getByRole("button", { name: "Make a link" }).click();
  await page.getByText("Invitation made.").waitFor();
  const link = (await page.locator(".invitation-link").first().innerText()).trim();
  assert.match(link, /\/invitations\//);
  await checkPage(page, "group-invite");

  // The founder watches the dashboard.
  await page.goto(BASE);
  await page.waitForTimeout(300);

  // The friend, in another browser, signs up through the link and joins.
  const friendPage = await openPage(browser);
  const friend = uniqueHandle("friend");
  await friendPage.goto(link);
  await checkPage(friendPage, "invitation-visitor");
  await friendPage.getByRole("link", { name: "Sign up to join" }).click();
  await friendPage.getByLabel("Handle").fill(friend);
  await friendPage.getByLabel("Password").fill(PASSWORD);
  await friendPage.getByRole("button", { name: "Create account" }).click();
  await friendPage.waitForURL(link);
  await friendPage.getByRole("button", { name: "Accept and join" }).click();
  await friendPage.waitForURL(`${BASE}/groups/${handle}`);
  await friendPage.getByText("Welcome! You are a member now.").waitFor();

  // It arrives on the founder's dashboard without a reload.
  await page.locator("#inbox li", { hasText: friend }).first().waitFor({ timeout: 10000 });
  await checkPage(page, "dashboard");

  // Someone else asks to join; the founder approves.
  const asker = await person("asker");
  await api("POST", `/api/v1/groups/${handle}/members`, { token: asker.token, body: { message: "I grow beans" } });
  await page.goto(`${BASE}/groups/${handle}/requests`);
  await checkPage(page, "group-requests");
  assert.ok(await page.getByText("I grow beans").count());
  await page.getByRole("button", { name: `Approve ${asker.handle}` }).click();
  await page.getByText("Approved: they are a member now.").waitFor();
  const members = await api("GET", `/api/v1/groups/${handle}/members`, { token: founder.token });
  assert.ok(members.items.some((m) => m.account.handle === asker.handle));

  // The friend leaves.
  await friendPage.goto(`${BASE}/groups/${handle}`);
  await friendPage.getByRole("button", { name: "Leave the group" }).click();
  await friendPage.getByText("You have left the group.").waitFor();
  assert.equal(await friendPage.getByRole("button", { name: "Leave the group" }).count(), 0);

  // Mark everything read from the dashboard.
  await page.goto(BASE);
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.getByText("All caught up.").waitFor();
  assert.equal(await page.locator(".bell__count").isHidden(), true);
  await page.context().close();
  await friendPage.context().close();
});
