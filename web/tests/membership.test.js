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
  // The link carries its secret, so it is shown this once (Weft keeps only its hash).
  await page.getByRole("heading", { name: "Your new link" }).waitFor();
  const link = (await page.locator(".invitation-link").first().innerText()).trim();
  assert.match(link, /\/join\/weft_inv_/);
  await checkPage(page, "group-invite");

  // The founder watches the dashboard.
  await page.goto(BASE);
  await page.locator("body[data-live=open]").waitFor();

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

  // Mark one item read, then everything, from the dashboard.
  await page.goto(BASE);
  const unreadBefore = await page.locator("#inbox .list__item--unread").count();
  assert.ok(unreadBefore >= 2, `several unread items (${unreadBefore})`);
  await page.getByRole("button", { name: /^Mark read/ }).first().click();
  await page.waitForURL(`${BASE}/`);
  assert.equal(await page.locator("#inbox .list__item--unread").count(), unreadBefore - 1);
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.getByText("All caught up.").waitFor();
  assert.equal(await page.locator(".bell__count").isHidden(), true);
  await page.context().close();
  await friendPage.context().close();
});

test("an owner edits the group, turns a tool on, makes a role, gives it and hands ownership over", async () => {
  const owner = await person("keeper");
  const helper = await person("helper");
  const handle = uniqueHandle("kept");
  await api("POST", "/api/v1/groups", {
    token: owner.token,
    body: { handle, name: "Kept Garden", visibility: "public", join_policy: "open" },
  });
  await api("POST", `/api/v1/groups/${handle}/members`, { token: helper.token, body: {} });
  const toolName = uniqueHandle("wiki");
  await api("POST", "/api/v1/tools", {
    token: owner.token,
    body: { name: toolName, description: "The group's wiki", home_url: "https://wiki.example", redirect_uris: [], scopes: [] },
  });

  const page = await openPage(browser);
  await logIn(page, owner.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/settings`);
  await checkPage(page, "group-settings");
  await page.getByLabel("What it is about").fill("Vegetables, shared.");
  await page.getByLabel("How people join").selectOption("request");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Saved.").waitFor();
  const group = await api("GET", `/api/v1/groups/${handle}`, { token: owner.token });
  assert.equal(group.description, "Vegetables, shared.");
  assert.equal(group.join_policy, "request");

  await page.getByRole("button", { name: `Turn on ${toolName}` }).click();
  await page.getByText("Saved.").waitFor();
  const tools = await api("GET", `/api/v1/groups/${handle}/tools`, { token: owner.token });
  assert.ok(JSON.stringify(tools).includes(toolName), "the tool is on");

  await page.goto(`${BASE}/groups/${handle}/members`);
  await checkPage(page, "group-members");
  await page.getByLabel("New role").fill("greeter");
  await page.getByLabel("Invite people").check();
  await page.getByRole("button", { name: "Make role" }).click();
  await page.getByText("Saved.").waitFor();
  await page.getByLabel(`Role of ${helper.handle}`).selectOption("greeter");
  await page.getByRole("button", { name: `Change role of ${helper.handle}` }).click();
  await page.getByText("Saved.").waitFor();
  let members = await api("GET", `/api/v1/groups/${handle}/members`, { token: owner.token });
  assert.equal(members.items.find((m) => m.account.handle === helper.handle).role, "greeter");

  await page.getByLabel("New owner").selectOption(helper.handle);
  await page.getByRole("button", { name: "Make owner" }).click();
  await page.getByText("Saved.").waitFor();
  members = await api("GET", `/api/v1/groups/${handle}/members`, { token: owner.token });
  assert.equal(members.items.find((m) => m.account.handle === helper.handle).role, "owner");
  assert.equal(members.items.find((m) => m.account.handle === owner.handle).role, "admin");
  await page.context().close();
});
