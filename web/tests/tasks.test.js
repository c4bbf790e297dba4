// Tasks in the browser: a member moves cards on a board by keyboard (Alt+arrows) and by
// drag, a card that waits for another is refused at done and goes back, another person's
// move appears live, a card is edited on its page, and my tasks lists what is assigned.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Waits until the card's column and place, as the API reads them, are these. */
async function settled(token, id, column, position) {
  let card;
  for (let attempt = 0; attempt < 50; attempt++) {
    card = await api("GET", `/api/v1/cards/${id}`, { token });
    if (card.column.name === column && (position === undefined || card.position === position)) return card;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${card.title} is in ${card.column.name} at ${card.position}, not ${column} at ${position}`);
}

test("a member moves cards by keyboard and drag; a waiting card is refused at done; others' moves appear live", async () => {
  const founder = await person("founder");
  const me = await person("mover");
  const handle = uniqueHandle("allotment");
  await api("POST", "/api/v1/groups", {
    token: founder.token,
    body: { handle, name: "Allotment", visibility: "public", join_policy: "open" },
  });
  await api("POST", `/api/v1/groups/${handle}/members`, { token: me.token, body: {} });
  await api("PUT", `/api/v1/groups/${handle}/tools/tasks`, { token: founder.token, body: {} });
  const board = await api("POST", `/api/v1/groups/${handle}/boards`, {
    token: founder.token,
    body: { name: "Spring jobs", fields: [{ name: "Points", type: "number" }] },
  });
  const card = (body) => api("POST", `/api/v1/boards/${board.id}/cards`, { token: founder.token, body });
  const dig = await card({ title: "Dig beds", assignees: [me.handle], due: "2027-03-01", labels: ["soil"] });
  const sow = await card({ title: "Sow beans", blocked_by: [dig.id] });
  const water = await card({ title: "Water seedlings" });

  const page = await openPage(browser);
  await logIn(page, me.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Tasks" }).first().click();
  await page.waitForURL(`${BASE}/groups/${handle}/tasks`);
  await checkPage(page, "tasks-boards");
  await page.getByRole("link", { name: "Spring jobs" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/tasks/${board.id}`);
  await page.locator("#board[data-live=open]").waitFor();
  await checkPage(page, "tasks-board");

  // Keyboard: Water up two places, then one column right.
  const task = (title) => page.locator(".task", { hasText: title });
  await task("Water seedlings").focus();
  await page.keyboard.press("Alt+ArrowUp");
  await page.keyboard.press("Alt+ArrowUp");
  await settled(me.token, water.id, "To do", 0);
  const todo = page.locator(".board__cards").first().locator(".task__title");
  assert.deepEqual(await todo.allInnerTexts(), ["Water seedlings", "Dig beds", "Sow beans"]);
  await page.keyboard.press("Alt+ArrowRight");
  await settled(me.token, water.id, "Doing", 0);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.card), water.id, "the moved card keeps the focus");
  await page.locator("#board-status", { hasText: "Doing, place 1 of 1" }).waitFor({ state: "attached" });

  // A card that waits for another goes to Review, and back from Done with the reason.
  await task("Sow beans").focus();
  await page.keyboard.press("Alt+ArrowRight");
  await settled(me.token, sow.id, "Doing");
  await page.keyboard.press("Alt+ArrowRight");
  await settled(me.token, sow.id, "Review");
  await page.keyboard.press("Alt+ArrowRight");
  await page.locator(".toast", { hasText: "waits for cards not done yet: Dig beds" }).waitFor();
  await page.locator("[data-column-name=Review] .task", { hasText: "Sow beans" }).waitFor();
  await settled(me.token, sow.id, "Review");
  // The refusal was the answer we wanted; it is no fault of the page.
  assert.deepEqual(page.problems.map((p) => p.split(" ")[0]), ["409"]);
  page.problems.length = 0;

  // Drag: Dig beds onto the Done column.
  await task("Dig beds").dragTo(page.locator("[data-column-name=Done]"));
  await settled(me.token, dig.id, "Done", 0);
  await page.locator("[data-column-name=Done] .task", { hasText: "Dig beds" }).waitFor();

  // Someone else's move shows without a reload.
  await api("PATCH", `/api/v1/cards/${water.id}`, { token: founder.token, body: { column: "Review", position: 0 } });
  await page.locator("[data-column-name=Review] .task", { hasText: "Water seedlings" }).waitFor({ timeout: 10000 });

  // The card's page: edit it, with a custom field.
  await page.getByRole("link", { name: "Dig beds" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/tasks/cards/${dig.id}`);
  await checkPage(page, "tasks-card");
  await page.getByLabel("Title").fill("Dig the beds");
  await page.getByLabel("Points").fill("3");
  await page.getByLabel("Checklists").fill("# Tools\n[x] Spade\n[ ] Fork");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/tasks/cards/${dig.id}`);
  const saved = await api("GET", `/api/v1/cards/${dig.id}`, { token: me.token });
  assert.equal(saved.title, "Dig the beds");
  assert.equal(saved.fields.points, 3);
  assert.deepEqual(saved.checklists, [{ name: "Tools", items: [{ text: "Spade", done: true }, { text: "Fork", done: false }] }]);
  assert.equal(saved.column.name, "Done", "saving the form does not move the card");
  // A wrong value is named, and nothing changes.
  await page.getByLabel("Points").fill("lots");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").filter({ hasText: /points/i }).waitFor();
  assert.equal((await api("GET", `/api/v1/cards/${dig.id}`, { token: me.token })).fields.points, 3);

  // My tasks: what is assigned to me, done ones on request.
  await page.goto(`${BASE}/tasks?done=1`);
  await page.getByRole("link", { name: "Dig the beds" }).waitFor();
  await checkPage(page, "tasks-mine");
});
