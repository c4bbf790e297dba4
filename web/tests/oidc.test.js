// "Sign in with Weft" in a real browser: a tool sends a visitor to Weft, who logs in, sees on
// the consent page what the tool will learn (which groups), allows it, and lands back at the
// tool with a code the tool exchanges; the next sign-in skips the question, even straight
// after the log-in form (the form's policy lets it lead to the tool); Settings → Apps takes
// it back; a redirect the tool never registered is refused on Weft's own page.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { BASE, api, checkPage, launch, logIn, openPage, person, PASSWORD } from "./harness.js";

let browser;
let tool;
let callback;
before(async () => {
  browser = await launch();
  // The outside tool: a page at its redirect URI, on another origin.
  tool = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>Wiki</title><h1>Signed in</h1>");
  });
  await new Promise((resolve) => tool.listen(0, "127.0.0.1", resolve));
  callback = `http://127.0.0.1:${tool.address().port}/callback`;
});
after(async () => {
  await browser?.close();
  tool?.close();
});

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

function authorizeUrl(clientId, redirect, verifier, extra = "") {
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirect,
    scope: "openid profile groups",
    state: "the-state",
    nonce: "the-nonce",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `${BASE}/oauth/authorize?${q}${extra}`;
}

async function exchange(registered, code, verifier) {
  const response = await fetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: callback, code_verifier: verifier }),
  });
  return { status: response.status, body: await response.json() };
}

test("a person signs in to a tool with Weft, and takes it back", async () => {
  const ana = await person("signer");
  const group = `wikis${Date.now() % 100000}`;
  await api("POST", "/api/v1/groups", {
    token: ana.token,
    body: { handle: group, name: "Wiki Makers", visibility: "public", join_policy: "open" },
  });
  const registered = await api("POST", "/api/v1/tools", {
    token: ana.token,
    body: { name: `Wiki ${group}`, handle: `wiki_${group}`, home_url: callback.replace("/callback", "/"), redirect_uris: [callback] },
  });
  await api("PUT", `/api/v1/groups/${group}/tools/${registered.name}`, { token: ana.token, body: {} });

  // A visitor: first the log-in form, then the consent page.
  const page = await openPage(browser);
  const verifier = base64url(randomBytes(32));
  await page.goto(authorizeUrl(registered.client_id, callback, verifier));
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("Handle or email").fill(ana.handle);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/oauth\/authorize\?/);
  await page.getByRole("heading", { name: `Sign in to Wiki ${group} with Weft` }).waitFor();
  await page.getByText("Wiki Makers (owner)").waitFor();
  await checkPage(page, "oidc-consent");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((url) => url.href.startsWith(callback));
  const back = new URL(page.url());
  assert.equal(back.searchParams.get("state"), "the-state");
  const { status, body } = await exchange(registered, back.searchParams.get("code"), verifier);
  assert.equal(status, 200, JSON.stringify(body));
  const claims = JSON.parse(Buffer.from(body.id_token.split(".")[1], "base64url"));
  assert.equal(claims.preferred_username, ana.handle);
  assert.equal(claims.nonce, "the-nonce");
  assert.deepEqual(claims.groups, [{ handle: group, name: "Wiki Makers", role: "owner" }]);

  // Next time, in a fresh browser: the log-in form leads straight on to the tool.
  const again = await openPage(browser);
  const verifier2 = base64url(randomBytes(32));
  await again.goto(authorizeUrl(registered.client_id, callback, verifier2));
  await again.waitForURL(/\/login\?next=/);
  const blocked = [];
  again.on("console", (m) => { if (/Content Security Policy/.test(m.text())) blocked.push(m.text()); });
  await again.getByLabel("Handle or email").fill(ana.handle);
  await again.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await again.getByRole("button", { name: "Log in" }).click();
  await again.waitForURL((url) => url.href.startsWith(callback));
  assert.deepEqual(blocked, [], "no policy stood in the way");
  assert.ok(new URL(again.url()).searchParams.get("code"), "a code, without asking again");
  await again.context().close();

  // Settings → Apps lists the tool; taking it back empties the list and ends its tokens.
  await page.goto(`${BASE}/settings/apps`);
  await page.getByText(`Wiki ${group}`).first().waitFor();
  page.problems = [];
  await checkPage(page, "oidc-apps");
  await page.getByRole("button", { name: `Take back Wiki ${group}` }).click();
  await page.waitForURL(`${BASE}/settings/apps`);
  await page.getByText("No tool yet.").waitFor();
  const info = await fetch(`${BASE}/oauth/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } });
  assert.equal(info.status, 401);

  // A redirect the tool never registered: Weft's own page says why, and goes nowhere.
  const refused = await page.goto(authorizeUrl(registered.client_id, "https://evil.example/cb", verifier));
  assert.equal(refused.status(), 400);
  assert.equal(new URL(page.url()).origin, new URL(BASE).origin);
  await page.getByText("an address it did not register").waitFor();
  await checkPage(page, "oidc-refused");
  await page.context().close();
});

test("a tool logs a person out of Weft, after asking", async () => {
  const ana = await person("leaver");
  const bye = callback.replace("/callback", "/bye");
  const registered = await api("POST", "/api/v1/tools", {
    token: ana.token,
    body: {
      name: "Notes",
      handle: `notes_${ana.handle}`.slice(0, 32),
      home_url: callback.replace("/callback", "/"),
      redirect_uris: [callback],
      post_logout_redirect_uris: [bye],
    },
  });
  const page = await openPage(browser);
  await logIn(page, ana.handle);

  // Without an ID token as a hint, Weft asks on its own page, then goes back to the tool.
  const q = new URLSearchParams({ client_id: registered.client_id, post_logout_redirect_uri: bye, state: "so-long" });
  await page.goto(`${BASE}/oauth/logout?${q}`);
  await page.getByRole("heading", { name: "Log out of Weft?" }).waitFor();
  await page.locator("main").getByText(`@${ana.handle}`).waitFor();
  await checkPage(page, "oidc-logout");
  await page.locator("main").getByRole("button", { name: "Log out", exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(bye));
  assert.equal(new URL(page.url()).searchParams.get("state"), "so-long");

  // The session is over.
  await page.goto(`${BASE}/settings`);
  await page.waitForURL(/\/login\?next=/);
  await page.context().close();
});
