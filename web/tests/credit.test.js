// Credit in the browser: a member pays another from the wallet and both see it at once (the
// payee's wallet is live), the payee accepts a payment that waits for them, a pool's page
// draws its balance as SVG, and every money page passes the accessibility checks.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, uniqueHandle } from "./harness.js";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The balance the wallet shows for the account, once it reads `amount`. */
async function shows(page, account, amount) {
  await page.locator(`[data-account="${account}"] [data-balance="${amount}"]`).waitFor({ timeout: 10_000 });
}

test("a member pays another from the wallet and both see it live; the pool chart renders", async () => {
  const founder = await person("treasurer");
  const payer = await person("payer");
  const payee = await person("payee");
  const handle = uniqueHandle("orchard");
  await api("POST", "/api/v1/groups", {
    token: founder.token,
    body: { handle, name: "Orchard", visibility: "public", join_policy: "open" },
  });
  for (const who of [payer, payee]) {
    await api("POST", `/api/v1/groups/${handle}/members`, { token: who.token, body: {} });
  }
  const currency = await api("POST", `/api/v1/groups/${handle}/currencies`, {
    token: founder.token,
    body: { code: "APPLES", name: "Apples", kind: "mutual_credit", scale: 2, default_floor: "-50" },
  });
  const account = {};
  for (const who of [founder, payer, payee]) {
    const opened = await api("POST", `/api/v1/currencies/${currency.id}/accounts`, { token: who.token, body: {} });
    account[who.handle] = opened.id;
  }

  // Both wallets open; the payee's listens to the activity stream.
  const payerPage = await openPage(browser);
  await logIn(payerPage, payer.handle);
  await payerPage.goto(`${BASE}/credit`);
  const payeePage = await openPage(browser);
  await logIn(payeePage, payee.handle);
  await payeePage.goto(`${BASE}/credit`);
  await payeePage.locator("body[data-follow=open]").waitFor();
  await shows(payeePage, account[payee.handle], "0.00");
  await checkPage(payeePage, "credit-wallet");

  // The payer pays 3.50 by handle; both wallets show it, the payee's without a reload.
  await payerPage.getByLabel("To", { exact: true }).fill(payee.handle);
  await payerPage.locator("#p-amount").fill("3.50");
  await payerPage.locator("#p-memo").fill("Cider pressing");
  await payerPage.getByRole("button", { name: "Pay", exact: true }).click();
  await payerPage.waitForURL(`${BASE}/credit`);
  await shows(payerPage, account[payer.handle], "-3.50");
  await shows(payeePage, account[payee.handle], "3.50");
  assert.equal(payeePage.url(), `${BASE}/credit`, "the payee's page was not reloaded");

  // The payee now confirms what they receive: the next payment waits for Accept.
  await payeePage.getByLabel("Payments to me wait until I accept them").check();
  await payeePage.getByRole("button", { name: "Save" }).click();
  await payeePage.waitForURL(`${BASE}/credit`);
  await payeePage.locator("body[data-follow=open]").waitFor();
  await payerPage.locator("#p-to").fill(payee.handle);
  await payerPage.locator("#p-amount").fill("1");
  await payerPage.getByRole("button", { name: "Pay", exact: true }).click();
  await payerPage.waitForURL(`${BASE}/credit`);
  await payeePage.getByRole("button", { name: "Accept" }).waitFor({ timeout: 10_000 });
  await shows(payeePage, account[payee.handle], "3.50");
  await payeePage.getByRole("button", { name: "Accept" }).click();
  await payeePage.waitForURL(`${BASE}/credit`);
  await shows(payeePage, account[payee.handle], "4.50");

  // The payer asks the payee for 2: the payee pays from the notification in their inbox.
  await api("POST", "/api/v1/payment-requests", {
    token: payer.token,
    body: { from: payee.handle, to: account[payer.handle], amount: "2", memo: "Share of the press hire" },
  });
  await payeePage.goto(`${BASE}/`);
  const notice = payeePage.locator("li", { hasText: "Share of the press hire" }).first();
  await notice.getByRole("button", { name: /^Pay/ }).click();
  await payeePage.waitForURL(`${BASE}/credit`);
  await shows(payeePage, account[payee.handle], "2.50");

  // A pool with money in and out: its page draws the balance.
  const pool = await api("POST", `/api/v1/groups/${handle}/pools`, {
    token: founder.token,
    body: { name: "Ladder fund", currency: "APPLES", rule: "admins", budget: { ladders: "20" } },
  });
  await api("POST", `/api/v1/pools/${pool.id}/contributions`, {
    token: payer.token, body: { amount: "10", memo: "For a ladder" },
  });
  await api("POST", `/api/v1/pools/${pool.id}/spend`, {
    token: founder.token,
    body: { to: account[payee.handle], amount: "4", memo: "Ladder repair", category: "ladders" },
  });
  const founderPage = await openPage(browser);
  await logIn(founderPage, founder.handle);
  await founderPage.goto(`${BASE}/groups/${handle}/credit`);
  await checkPage(founderPage, "credit-group");
  await founderPage.getByRole("link", { name: "Ladder fund" }).click();
  await founderPage.waitForURL(`${BASE}/groups/${handle}/credit/pools/${pool.id}`);
  const chart = founderPage.locator("#pool-chart svg[data-chart=line]");
  await chart.waitFor();
  assert.equal(await chart.getAttribute("data-points"), "2");
  const box = await chart.boundingBox();
  assert.ok(box.width > 200 && box.height > 50, `the chart is drawn (${box.width}×${box.height})`);
  await founderPage.getByRole("rowheader", { name: "ladders" }).waitFor();
  await checkPage(founderPage, "credit-pool");

  // The other money pages pass the same checks.
  await founderPage.goto(`${BASE}/groups/${handle}/credit/pools/${pool.id}/expenses`);
  await checkPage(founderPage, "credit-expenses");
  await founderPage.goto(`${BASE}/groups/${handle}/credit/dues`);
  await checkPage(founderPage, "credit-dues");
  await founderPage.goto(`${BASE}/groups/${handle}/credit/currencies/${currency.id}/health`);
  await checkPage(founderPage, "credit-health");
  // Who manages the money changes a member's limits from their statement; it is logged.
  await founderPage.getByRole("link", { name: `@${payee.handle}` }).click();
  await founderPage.waitForURL(`${BASE}/credit/accounts/${account[payee.handle]}`);
  await founderPage.getByLabel("Floor").fill("-20");
  await founderPage.getByRole("button", { name: "Change the limits" }).click();
  await founderPage.locator("#limits-title").waitFor();
  const changes = await api("GET", `/api/v1/ledger-accounts/${account[payee.handle]}/limit-changes`, { token: payee.token });
  assert.equal(changes[0].floor, "-20.00");
  await founderPage.goto(`${BASE}/groups/${handle}/credit/currencies/new`);
  await checkPage(founderPage, "credit-wizard");
  await founderPage.goto(`${BASE}/credit/accounts/${account[founder.handle]}`);
  await checkPage(founderPage, "credit-statement");
});
