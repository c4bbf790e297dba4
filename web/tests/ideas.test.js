// Ideas in the browser: a member opens a board with a wiki-survey, people add ideas through
// the wall, and a voter answers pairs with the keyboard (← and →) without touching the mouse;
// the ranking shows the answers, and the wall shows a new idea live. Every page passes axe.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a wiki-survey is answered by keyboard and ranked, and the wall follows live", async () => {
  const host = await person("host");
  const voter = await person("voter");
  const handle = uniqueHandle("lot");
  await api("POST", "/api/v1/groups", {
    token: host.token,
    body: { handle, name: "The lot", visibility: "public", join_policy: "open" },
  });
  await api("POST", `/api/v1/groups/${handle}/members`, { token: voter.token, body: {} });
  await api("PUT", `/api/v1/groups/${handle}/tools/ideas`, { token: host.token, body: {} });

  // The host opens a board through the form and adds ideas on its wall.
  const page = await openPage(browser);
  await logIn(page, host.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Ideas" }).first().click();
  await page.waitForURL(`${BASE}/groups/${handle}/ideas`);
  await checkPage(page, "ideas-boards");
  await page.getByLabel("Question").fill("What should the lot become?");
  await page.getByLabel("Run a wiki-survey").check();
  await page.getByRole("button", { name: "Open the board" }).click();
  await page.waitForURL(/\/ideas\/[0-9a-f-]{36}$/);
  const boardUrl = page.url();
  const board = boardUrl.split("/").pop();
  for (const [title, tags] of [["An orchard", "food, trees"], ["A playground", "children"], ["A meadow", ""]]) {
    await page.getByLabel("Idea", { exact: true }).fill(title);
    await page.getByLabel("Tags (separated by commas)").fill(tags);
    await page.getByRole("button", { name: "Add the idea" }).click();
    await page.locator(".idea-card[id]", { hasText: title }).waitFor();
  }
  // One card per idea and tag: the orchard shows under #food and #trees.
  assert.equal(await page.locator(".idea-card[id]").count(), 3);
  assert.equal(await page.locator(".idea-card").count(), 4);
  await checkPage(page, "ideas-board");

  // The voter answers four pairs with the arrow keys: always for the orchard when shown,
  // else for whatever is on the left.
  const voting = await openPage(browser);
  await logIn(voting, voter.handle);
  await voting.goto(`${BASE}/groups/${handle}/ideas/${board}/vote`);
  await voting.locator("#pair").waitFor();
  await checkPage(voting, "ideas-vote");
  let answered = 0;
  for (let i = 0; i < 4; i++) {
    const token = await voting.locator("input[name=token]").inputValue();
    const right = await voting.locator("#right .pair__title").innerText();
    const key = right === "An orchard" ? "ArrowRight" : "ArrowLeft";
    await voting.keyboard.press(key);
    // The next pair is a new page with a new token.
    await voting.waitForFunction(
      (old) => document.querySelector("input[name=token]")?.value !== old,
      token,
    );
    answered++;
  }
  const ranking = await api("GET", `/api/v1/idea-boards/${board}/ranking`, { token: host.token });
  assert.equal(ranking.answers, answered);
  assert.equal(ranking.items.reduce((n, i) => n + i.comparisons, 0), 2 * answered);

  // "I can't decide" by the down arrow counts as an answer, not a comparison.
  const token = await voting.locator("input[name=token]").inputValue();
  await voting.keyboard.press("ArrowDown");
  await voting.waitForFunction((old) => document.querySelector("input[name=token]")?.value !== old, token);
  const after = await api("GET", `/api/v1/idea-boards/${board}/ranking`, { token: host.token });
  assert.equal(after.answers, answered + 1);

  // The ranking page shows every idea with its band.
  await voting.goto(`${BASE}/groups/${handle}/ideas/${board}/ranking`);
  assert.equal(await voting.locator("#ranking tbody tr").count(), 3);
  assert.equal(await voting.locator("#ranking svg.band").count(), 3);
  await checkPage(voting, "ideas-ranking");

  // The host's wall shows the voter's new idea without a reload.
  await page.goto(boardUrl);
  await page.locator("body[data-follow=open]").waitFor();
  await api("POST", `/api/v1/idea-boards/${board}/ideas`, {
    token: voter.token,
    body: { title: "A bee hotel", tags: ["nature"] },
  });
  await page.locator(".idea-card[id]", { hasText: "A bee hotel" }).waitFor({ timeout: 10_000 });

  // An idea's page: its discussion.
  await page.locator(".idea-card[id] a", { hasText: "An orchard" }).click();
  await page.getByLabel("Comment").fill("Apples and pears, please");
  await page.getByRole("button", { name: "Comment" }).click();
  await page.locator("#comments", { hasText: "Apples and pears, please" }).waitFor();
  await checkPage(page, "ideas-idea");
});
