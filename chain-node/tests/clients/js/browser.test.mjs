// A real browser against the dev node: headless Chromium opens browser/page.html, served from
// another origin than the node's, where ethers (its browser bundle) reads a balance and sends a
// signed transaction through the node's CORS answers; a second node, whose --http.corsdomain
// lists another origin, must be unreachable from the same page. The page posts a report back to
// the server here; the node's own answers then confirm it.
//
// Environment: REWASM_RPC_URL (the dev node), REWASM_REFUSING_RPC_URL (a dev node started with
// `--http.corsdomain http://refused.invalid`), REWASM_DEV_ACCOUNTS ("0": a network node, where the
// test is skipped), REWASM_CHROMIUM (the browser, default `chromium`).
// scripts/client-tests.sh sets all of this up. Run: node --test browser.test.mjs

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ethers } from "ethers";

const DEV = process.env.REWASM_DEV_ACCOUNTS === "1";
const PAGE_TIMEOUT_MS = 90_000;
// What page.html signs with: account 8 of the test mnemonic, which no other client test uses.
const DEV_ACCOUNT_8 = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const SENT_WEI = 12345n;

const here = dirname(fileURLToPath(import.meta.url));
const served = {
  "/page.html": [join(here, "browser", "page.html"), "text/html; charset=utf-8"],
  "/ethers.umd.min.js": [
    join(here, "node_modules", "ethers", "dist", "ethers.umd.min.js"),
    "text/javascript; charset=utf-8",
  ],
};

/** Serves the page and its script, and resolves `report` with what the page posts back. */
async function pageServer() {
  let deliver;
  const report = new Promise((resolve) => (deliver = resolve));
  const server = createServer((request, response) => {
    if (request.method === "POST" && request.url === "/report") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.end();
        deliver(JSON.parse(body));
      });
      return;
    }
    const file = served[new URL(request.url, "http://page").pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": file[1] }).end(readFileSync(file[0]));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}`, report };
}

/** Opens `address` in headless Chromium; resolves with the page's report, or rejects. */
async function browse(address, report) {
  const profile = mkdtempSync(join(tmpdir(), "rewasm-chromium-"));
  const browser = spawn(
    process.env.REWASM_CHROMIUM || "chromium",
    [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      `--user-data-dir=${profile}`,
      address,
    ],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let log = "";
  browser.stderr.on("data", (chunk) => (log = (log + chunk).slice(-4000)));
  let timer;
  try {
    return await Promise.race([
      report,
      new Promise((_, reject) => {
        browser.on("error", (error) => reject(new Error(`starting chromium: ${error.message}`)));
        browser.on("exit", (code, signal) =>
          reject(new Error(`chromium exited (${code ?? signal}) before the page reported:\n${log}`)),
        );
        timer = setTimeout(
          () => reject(new Error(`no report from the page in ${PAGE_TIMEOUT_MS} ms:\n${log}`)),
          PAGE_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-browser.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

test(
  "a page on another origin reads a balance and sends a transaction; an unlisted origin is refused",
  { skip: !DEV && "CORS is open on the dev node only; a network node lists no origin" },
  async () => {
    const url = process.env.REWASM_RPC_URL;
    const refusing = process.env.REWASM_REFUSING_RPC_URL;
    assert.ok(url && refusing, "REWASM_RPC_URL and REWASM_REFUSING_RPC_URL (scripts/client-tests.sh)");
    const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
    const to = ethers.Wallet.createRandom().address;
    const { server, origin, report } = await pageServer();
    try {
      assert.notEqual(origin, new URL(url).origin, "the page is cross-origin to the node");
      const query = new URLSearchParams({ rpc: url, to, refusing });
      const seen = await browse(`${origin}/page.html?${query}`, report);

      assert.equal(seen.error, undefined, `the page failed: ${seen.error}`);
      assert.equal(seen.origin, origin);
      assert.equal(seen.chainId, "31337");
      assert.equal(seen.from, DEV_ACCOUNT_8);
      assert.ok(BigInt(seen.balanceBefore) > 0n, "the page read the prefunded balance");
      assert.equal(seen.status, 1);
      assert.equal(BigInt(seen.received), SENT_WEI);
      // The node agrees with what the page saw.
      const receipt = await provider.getTransactionReceipt(seen.hash);
      assert.equal(receipt.status, 1);
      assert.equal(receipt.from, DEV_ACCOUNT_8);
      assert.equal(await provider.getBalance(to), SENT_WEI);
      // The browser withheld the other node's answer (no Access-Control-Allow-Origin for it).
      assert.match(seen.refused, /^TypeError: Failed to fetch/);
    } finally {
      server.close();
      provider.destroy();
    }
  },
);
