// Offers and requests in the browser: a member posts a request with tags and a place, and
// its page shows the matching offer with the reason; the offer's author sees the match
// arrive live on their "My matches" page; the map draws both places without asking any
// other server; the author responds and accepts through the pages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("posting a request shows a matching offer with its reason, live for the offer's author", async () => {
  const mechanic = await person("mechanic");
  const rider = await person("rider");
  const handle = uniqueHandle("wheels");
  await api("POST", "/api/v1/groups", {
    token: mechanic.token,
    body: { handle, name: "Wheels", visibility: "public", join_policy: "open" },
  });
  await api("POST", `/api/v1/groups/${handle}/members`, { token: rider.token, body: {} });
  await api("PUT", `/api/v1/groups/${handle}/tools/intents`, { token: mechanic.token, body: {} });
  const offer = await api("POST", `/api/v1/groups/${handle}/intents`, {
    token: mechanic.token,
    body: {
      kind: "offer", title: "Bike repairs", tags: ["bikes", "repair"],
      location: { name: "The shed", lat: 51.5079, lon: -0.1283 },
    },
  });

  // The mechanic watches their matches.
  const watcher = await openPage(browser);
  await logIn(watcher, mechanic.handle);
  await watcher.goto(`${BASE}/groups/${handle}/intents/mine`);
  await watcher.locator("body[data-follow=open]").waitFor();
  await checkPage(watcher, "intents-mine");
  assert.equal(await watcher.locator(".match").count(), 0);

  // The rider posts a request through the form.
  const page = await openPage(browser);
  await logIn(page, rider.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Offers & requests" }).first().click();
  await page.waitForURL(`${BASE}/groups/${handle}/intents`);
  await checkPage(page, "intents-list");
  await page.getByRole("link", { name: "Post an offer or a request" }).click();
  await page.waitForURL(`${BASE}/groups/${handle}/intents/new`);
  await checkPage(page, "intents-new");
  await page.getByLabel("A request: I need something").check();
  await page.getByLabel("Title").fill("Fix my puncture");
  await page.getByLabel("Tags").fill("bikes, tyres");
  await page.getByLabel("Place").fill("Canal path");
  await page.getByLabel("Latitude").fill("51.5120");
  await page.getByLabel("Longitude").fill("-0.1180");
  await page.getByRole("button", { name: "Post" }).click();
  await page.waitForURL(/\/intents\/[0-9a-f-]{36}$/);
  const match = page.locator("#matches .match", { hasText: "Bike repairs" });
  await match.waitFor();
  assert.match(await match.locator(".match__why").innerText(), /^tags: bikes; under 1 km$/);
  await checkPage(page, "intents-intent");

  // The mechanic's page shows the new match without a reload.
  await watcher.locator(".match", { hasText: "Fix my puncture" }).waitFor({ timeout: 10_000 });

  // The map draws both places, with nothing loaded from elsewhere.
  await page.goto(`${BASE}/groups/${handle}/intents?view=map`);
  assert.equal(await page.locator(".intent-map circle").count(), 2);
  await checkPage(page, "intents-map");

  // The mechanic responds to the request; the rider accepts on its page.
  const request = (await api("GET", `/api/v1/groups/${handle}/intents?kind=request`, { token: rider.token })).items[0];
  await watcher.goto(`${BASE}/groups/${handle}/intents/${request.id}`);
  await watcher.getByLabel("I can do this").fill("Sunday at ten?");
  await watcher.getByRole("button", { name: "Respond" }).click();
  await watcher.locator("#responses", { hasText: "Sunday at ten?" }).waitFor();
  await page.goto(`${BASE}/groups/${handle}/intents/${request.id}`);
  await page.getByRole("button", { name: "Accept" }).click();
  await page.locator("#state", { hasText: "committed" }).waitFor();
  assert.equal((await api("GET", `/api/v1/intents/${offer.id}`, { token: rider.token })).state, "open");
});
