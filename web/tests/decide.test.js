// Deciding in the browser: a member ranks the options of an instant-runoff poll by keyboard
// and by drag, votes, and sees the rounds drawn; a proposal takes a stance with its reason and
// a comment; a vote cast elsewhere shows in the open page at once (pushed through the live
// stream); the results of a poll hidden until it closes show nothing; delegations.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a member ranks by keyboard and drag, votes, and sees the rounds; then takes a stance and comments", async () => {
  const founder = await person("founder");
  const voters = [await person("voter"), await person("voter"), await person("voter")];
  const me = await person("ranker");
  const handle = uniqueHandle("orchard");
  await api("POST", "/api/v1/groups", {
    token: founder.token,
    body: { handle, name: "Orchard", visibility: "public", join_policy: "open" },
  });
  for (const who of [...voters, me]) {
    await api("POST", `/api/v1/groups/${handle}/members`, { token: who.token, body: {} });
  }
  await api("PUT", `/api/v1/groups/${handle}/tools/decide`, { token: founder.token, body: {} });
  const poll = await api("POST", `/api/v1/groups/${handle}/polls`, {
    token: founder.token,
    body: { title: "Which tree do we plant?", kind: "ranked", method: "irv", options: ["Apple", "Pear", "Plum"] },
  });
  // Apple 2, Pear 1, Plum 1 on first preferences: nobody has a majority of five once I vote.
  const ballots = [["Apple"], ["Pear", "Plum"], ["Plum", "Pear"]];
  for (const [i, who] of voters.entries()) {
    await api("POST", `/api/v1/polls/${poll.id}/votes`, { token: who.token, body: { ranking: ballots[i] } });
  }
  await api("POST", `/api/v1/polls/${poll.id}/votes`, { token: founder.token, body: { ranking: ["Apple"] } });

  const page = await openPage(browser);
  await logIn(page, me.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Decide" }).first().click();
  await page.waitForURL(`${BASE}/groups/${handle}/decide`);
  await checkPage(page, "decide-polls");
  await page.getByRole("link", { name: "Which tree do we plant?" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/decide/${poll.id}`);
  await checkPage(page, "decide-poll-ranked");

  // By keyboard: Plum up twice with its arrow button (each move ranks what moved).
  const up = page.getByRole("button", { name: "Move Plum up" });
  await up.focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  const order = async () => page.locator("[data-rank-item] .rank-list__text").allInnerTexts();
  assert.deepEqual(await order(), ["Plum", "Apple", "Pear"]);
  assert.equal(await page.getByLabel("Rank of Plum").inputValue(), "1");
  // Alt+ArrowDown on Apple's rank moves it below Pear.
  await page.getByLabel("Rank of Apple").focus();
  await page.keyboard.press("Alt+ArrowDown");
  assert.deepEqual(await order(), ["Plum", "Pear", "Apple"]);
  // By drag: Pear onto the top.
  await page.locator("[data-rank-item]", { hasText: "Pear" }).dragTo(
    page.locator("[data-rank-item]", { hasText: "Plum" }),
    { targetPosition: { x: 20, y: 2 } },
  );
  assert.deepEqual(await order(), ["Pear", "Plum", "Apple"]);
  await page.getByLabel("Rank of Apple").fill("");
  await page.getByRole("button", { name: "Vote" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/decide/${poll.id}`);
  const mine = await api("GET", `/api/v1/polls/${poll.id}`, { token: me.token });
  assert.deepEqual(mine.my_vote.ranking, ["Pear", "Plum"]);

  // The rounds, drawn and tabled: Apple 2, Pear 2, Plum 1; Plum goes, its vote to Pear.
  await page.getByRole("img", { name: /Votes held by each option in each round/ }).waitFor();
  const table = page.locator("#results table");
  assert.match(await table.innerText(), /Round 2/i);
  assert.match(await table.innerText(), /Plum eliminated/);
  assert.match(await page.locator("#results").innerText(), /Leading: Pear/);
  await checkPage(page, "decide-poll-rounds");

  // Live: a vote cast elsewhere reaches the open page through the stream, without a reload.
  await page.locator("body[data-follow=open]").waitFor();
  const late = await person("voter");
  await api("POST", `/api/v1/groups/${handle}/members`, { token: late.token, body: {} });
  assert.match(await page.locator("#results").innerText(), /5 of 5 voted/);
  await api("POST", `/api/v1/polls/${poll.id}/votes`, { token: late.token, body: { ranking: ["Apple"] } });
  await page.locator("#results", { hasText: "6 of 6 voted" }).waitFor({ timeout: 5000 });

  // A proposal: a stance with its reason, and a comment that mentions the founder.
  const proposal = await api("POST", `/api/v1/groups/${handle}/polls`, {
    token: founder.token,
    body: { title: "Buy a ladder?", kind: "proposal", reasons: "required_against" },
  });
  await page.goto(`${BASE}/groups/${handle}/decide/${proposal.id}`);
  await page.getByLabel("Disagree").check();
  await page.getByRole("button", { name: "Vote" }).click();
  await page.getByRole("alert").filter({ hasText: "reason" }).waitFor();
  await page.getByLabel("Disagree").check();
  await page.getByLabel("Your reason").fill("We can borrow one");
  await page.getByRole("button", { name: "Vote" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/decide/${proposal.id}`);
  await page.locator(".bars").waitFor();
  await page.getByLabel("Comment").fill(`Ask @${founder.handle} first`);
  await page.getByRole("button", { name: "Post" }).click();
  await page.locator("#discussion").getByText(`Ask @${founder.handle} first`).waitFor();
  await checkPage(page, "decide-poll-proposal");
  const inbox = await api("GET", "/api/v1/notifications", { token: founder.token });
  assert.ok(inbox.items.some((n) => n.reason === "mention"), "the founder is told");
});

test("hidden results show nothing in the page until the poll closes; delegations are given and ended", async () => {
  const founder = await person("host");
  const member = await person("member");
  const handle = uniqueHandle("quiet");
  await api("POST", "/api/v1/groups", {
    token: founder.token,
    body: { handle, name: "Quiet", visibility: "public", join_policy: "open" },
  });
  await api("POST", `/api/v1/groups/${handle}/members`, { token: member.token, body: {} });
  await api("PUT", `/api/v1/groups/${handle}/tools/decide`, { token: founder.token, body: {} });
  const poll = await api("POST", `/api/v1/groups/${handle}/polls`, {
    token: founder.token,
    body: { title: "Secret ballot", kind: "choice", options: ["Red", "Blue"], hide_results: "until_closed" },
  });
  await api("POST", `/api/v1/polls/${poll.id}/votes`, { token: founder.token, body: { choices: ["Blue"] } });
  const page = await openPage(browser);
  await logIn(page, member.handle);
  await page.goto(`${BASE}/groups/${handle}/decide/${poll.id}`);
  await page.locator("#results-hidden").waitFor();
  assert.equal(await page.locator(".bars").count(), 0);
  await page.getByLabel("Red").check();
  await page.getByRole("button", { name: "Vote" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/decide/${poll.id}`);
  assert.equal(await page.locator(".bars").count(), 0, "voting does not show them either");
  await checkPage(page, "decide-poll-hidden");
  await api("POST", `/api/v1/polls/${poll.id}/close`, { token: founder.token });
  await page.reload();
  assert.match(await page.locator("#results").innerText(), /Result: Red, Blue|Result: Blue, Red/);

  await page.goto(`${BASE}/groups/${handle}/decide/delegation`);
  await page.getByLabel("To (a member's handle)").fill(founder.handle);
  await page.getByRole("button", { name: "Delegate" }).click();
  await page.getByText(`to @${founder.handle}`).waitFor();
  await checkPage(page, "decide-delegation");
  const theirs = await api("GET", `/api/v1/groups/${handle}/delegation`, { token: founder.token });
  assert.equal(theirs.received[0].from.handle, member.handle);
  await page.getByRole("button", { name: `End the delegation to ${founder.handle}` }).click();
  await page.getByText("You vote for yourself everywhere.").waitFor();
});
