// Budgeting in the browser: a host opens a cobudget round through the form, a member proposes
// a bucket with budget items, another gives to it with the slider and the host's round page
// follows live; a vote round's ballot explains its rule and refuses a ballot that breaks it.
// Every page passes axe, in both themes and at 360 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a cobudget round is opened, proposed to and funded with the slider, live", async () => {
  const host = await person("host");
  const maker = await person("maker");
  const giver = await person("giver");
  const handle = uniqueHandle("beds");
  await api("POST", "/api/v1/groups", {
    token: host.token,
    body: { handle, name: "The beds", visibility: "public", join_policy: "open" },
  });
  for (const who of [maker, giver]) {
    await api("POST", `/api/v1/groups/${handle}/members`, { token: who.token, body: {} });
  }
  await api("PUT", `/api/v1/groups/${handle}/tools/budget`, { token: host.token, body: {} });
  await api("POST", `/api/v1/groups/${handle}/currencies`, {
    token: host.token,
    body: { code: "HRS", name: "Hours", kind: "mutual_credit", scale: 2, default_floor: "-10", default_ceiling: "10" },
  });

  // The host opens the round through the form.
  const page = await openPage(browser);
  await logIn(page, host.handle);
  await page.goto(`${BASE}/groups/${handle}`);
  await page.getByRole("link", { name: "Budget" }).first().click();
  await page.waitForURL(`${BASE}/groups/${handle}/budget`);
  await checkPage(page, "budget-rounds");
  await page.getByLabel("Title").fill("Spring");
  await page.getByLabel("How it allocates").selectOption("cobudget");
  await page.getByLabel("Allocation per member, or the budget").fill("20");
  await page.getByRole("button", { name: "Open the round" }).click();
  await page.waitForURL(/\/budget\/rounds\/[0-9a-f-]{36}$/);
  const roundUrl = page.url();
  const round = roundUrl.split("/").pop();

  // The maker proposes a bucket with two budget items.
  const making = await openPage(browser);
  await logIn(making, maker.handle);
  await making.goto(roundUrl);
  await making.getByLabel("Title").fill("Herb spiral");
  await making.getByLabel("Budget items, one a line: name, minimum, maximum").fill("Stones, 8, 10\nPlants, 4");
  await making.getByRole("button", { name: "Propose it" }).click();
  await making.locator("#buckets .card", { hasText: "Herb spiral" }).waitFor();
  await checkPage(making, "budget-round");

  // The host's page listens; the giver opens the bucket and gives 12 with the slider.
  await page.goto(roundUrl);
  await page.locator("body[data-follow=open]").waitFor();
  const giving = await openPage(browser);
  await logIn(giving, giver.handle);
  await giving.goto(roundUrl);
  await giving.locator("#buckets a", { hasText: "Herb spiral" }).click();
  await giving.waitForURL(/\/budget\/buckets\/[0-9a-f-]{36}$/);
  await checkPage(giving, "budget-bucket");
  const slider = giving.locator("#give-slider");
  assert.equal(await slider.getAttribute("max"), "14.00", "the room left up to the stretch goal");
  await slider.fill("12");
  assert.equal(await giving.locator("#give-amount").inputValue(), "12", "the slider sets the amount");
  await giving.getByRole("button", { name: "Give", exact: true }).click();
  await giving.locator("#state", { hasText: "funded" }).waitFor();
  await giving.locator("#funding", { hasText: "12.00 of 12.00" }).waitFor();
  // More than the allocation left is refused with the reason.
  await giving.locator("#give-amount").fill("9");
  await giving.getByRole("button", { name: "Give", exact: true }).click();
  await giving.locator(".alert", { hasText: "only 2.00 more" }).waitFor();

  // The host's round shows the funded bucket without a reload.
  await page.locator("#buckets .card", { hasText: "funded" }).waitFor({ timeout: 10_000 });
  const made = await api("GET", `/api/v1/rounds/${round}/buckets`, { token: host.token });
  assert.equal(made.items[0].contributed, "12.00");
  assert.equal(made.items[0].state, "funded");

  // A vote round: the ballot says its rule and refuses what breaks it.
  const vote = await api("POST", `/api/v1/groups/${handle}/rounds`, {
    token: host.token,
    body: { title: "Tools", currency: "HRS", mechanism: "vote", budget: "40", threshold_pct: 50 },
  });
  for (const [title, cost] of [["Wheelbarrow", "15"], ["Seed drill", "25"], ["Sieve", "5"]]) {
    await api("POST", `/api/v1/rounds/${vote.id}/buckets`, {
      token: host.token,
      body: { title, items: [{ name: title, min: cost }] },
    });
  }
  await giving.goto(`${BASE}/groups/${handle}/budget/rounds/${vote.id}`);
  await giving.locator("#rule", { hasText: "at least 50% of the budget of 40.00 HRS" }).waitFor();
  await checkPage(giving, "budget-ballot");
  await giving.getByLabel("Sieve").check();
  await giving.getByRole("button", { name: "Cast my ballot" }).click();
  await giving.locator(".alert", { hasText: "choose at least 20.00 HRS" }).waitFor();
  await giving.getByLabel("Wheelbarrow").check();
  await giving.getByLabel("Sieve").check();
  await giving.getByRole("button", { name: "Cast my ballot" }).click();
  await giving.getByRole("button", { name: "Change my ballot" }).waitFor();
  const ballot = await api("GET", `/api/v1/rounds/${vote.id}`, { token: giver.token });
  assert.equal(ballot.mine.ballot.length, 2);
});
