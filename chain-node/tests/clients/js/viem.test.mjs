// viem against a rewasm node: the example ERC-20 deployed and used through a public and a wallet
// client, and, on the dev chain, viem's test client (`createTestClient({ mode: "anvil" })`)
// controlling the chain as test frameworks do.
//
// Environment: REWASM_RPC_URL, REWASM_ARTIFACTS (as for erc20.test.mjs) and REWASM_DEV_ACCOUNTS
// ("1" on `rewasm node --dev`, which holds the dev keys and takes the test methods; "0" on a
// network node, which must refuse them). scripts/client-tests.sh sets all of this up.
// Run: node --test

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";

import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  http,
  parseEther,
  parseEventLogs,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

// Account 5 of "test test test test test test test test test test test junk".
const ERIN_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const SUPPLY = 1_000_000n * 10n ** 18n;
const DEV = process.env.REWASM_DEV_ACCOUNTS === "1";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/client-tests.sh)`);
  return value;
}

const url = requiredEnv("REWASM_RPC_URL");
const folder = requiredEnv("REWASM_ARTIFACTS");
const abi = JSON.parse(readFileSync(join(folder, "erc20.abi.json"), "utf8"));
const initCode = toHex(readFileSync(join(folder, "erc20.deploy.wasm")));
const runtimeCode = toHex(readFileSync(join(folder, "erc20.wasm")));
const erin = privateKeyToAccount(ERIN_KEY);
const fresh = () => privateKeyToAccount(generatePrivateKey()).address;

let chain;
let publicClient;
let testClient;

before(async () => {
  const probe = createPublicClient({ transport: http(url) });
  chain = defineChain({
    id: await probe.getChainId(),
    name: "rewasm",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url);
  publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  testClient = createTestClient({ chain, transport, mode: "anvil", pollingInterval: 100 });
});

test("viem deploys the ERC-20, reads it, transfers and decodes the event", async () => {
  const wallet = createWalletClient({ account: erin, chain, transport: http(url) });
  const deployment = await wallet.deployContract({
    abi,
    bytecode: initCode,
    args: ["Viem Token", "VMT", SUPPLY],
  });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployment });
  assert.equal(deployed.status, "success");
  const token = deployed.contractAddress;
  assert.equal(await publicClient.readContract({ address: token, abi, functionName: "symbol" }), "VMT");
  const to = fresh();
  const { request } = await publicClient.simulateContract({
    account: erin,
    address: token,
    abi,
    functionName: "transfer",
    args: [to, 1234n],
  });
  const receipt = await publicClient.waitForTransactionReceipt({
    hash: await wallet.writeContract(request),
  });
  assert.equal(receipt.status, "success");
  const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: "Transfer" });
  assert.equal(event.args.to, to);
  assert.equal(event.args.value, 1234n);

  // geth's callTracer, as tools that read traces ask for it.
  const trace = await publicClient.request({
    method: "debug_traceTransaction",
    params: [receipt.transactionHash, { tracer: "callTracer", tracerConfig: { withLog: true } }],
  });
  assert.equal(trace.type, "CALL");
  assert.equal(trace.from.toLowerCase(), erin.address.toLowerCase());
  assert.equal(trace.to.toLowerCase(), token.toLowerCase());
  assert.equal(BigInt(trace.gasUsed), receipt.gasUsed);
  const called = decodeFunctionData({ abi, data: trace.input });
  assert.equal(called.functionName, "transfer");
  assert.deepEqual(called.args, [to, 1234n]);
  const [traced] = parseEventLogs({ abi, logs: trace.logs, eventName: "Transfer" });
  assert.equal(traced.args.value, 1234n);
  assert.equal(
    await publicClient.readContract({ address: token, abi, functionName: "balanceOf", args: [to] }),
    1234n,
  );
});

test("a token's revert reaches viem through the vault that called it, with the token's reason", async () => {
  const vaultAbi = JSON.parse(readFileSync(join(folder, "vault.abi.json"), "utf8"));
  const vaultCode = toHex(readFileSync(join(folder, "vault.deploy.wasm")));
  const wallet = createWalletClient({ account: erin, chain, transport: http(url) });
  const mined = (hash) => publicClient.waitForTransactionReceipt({ hash });
  const token = (
    await mined(await wallet.deployContract({ abi, bytecode: initCode, args: ["Vaulted", "VLT", SUPPLY] }))
  ).contractAddress;
  const vault = (await mined(await wallet.deployContract({ abi: vaultAbi, bytecode: vaultCode, args: [token] })))
    .contractAddress;
  await mined(await wallet.writeContract({ address: token, abi, functionName: "approve", args: [vault, 10n] }));

  // erin -> vault.deposit -> token.transferFrom, which reverts past the allowance.
  const deposit = (amount) => ({
    account: erin,
    address: vault,
    abi: vaultAbi,
    functionName: "deposit",
    args: [amount],
  });
  await assert.rejects(publicClient.simulateContract(deposit(11n)), /ERC20: insufficient allowance/);
  const { request } = await publicClient.simulateContract(deposit(10n));
  assert.equal((await mined(await wallet.writeContract(request))).status, "success");
  const read = (functionName, args) => publicClient.readContract({ address: vault, abi: vaultAbi, functionName, args });
  assert.equal(await read("deposited", [erin.address]), 10n);
  assert.equal(await read("holdings", []), 10n);
  await assert.rejects(publicClient.simulateContract(deposit(1n)), /ERC20: insufficient allowance/);
});

test("viem's test client moves the clock and edits the state of the dev chain only", async () => {
  if (!DEV) {
    await assert.rejects(testClient.mine({ blocks: 1 }), /does not exist\/is not available/);
    await assert.rejects(
      testClient.setBalance({ address: fresh(), value: 1n }),
      /does not exist\/is not available/,
    );
    await assert.rejects(testClient.snapshot(), /does not exist\/is not available/);
    return;
  }
  const start = await publicClient.getBlock();
  await testClient.mine({ blocks: 3, interval: 12 });
  const mined = await publicClient.getBlock();
  assert.equal(mined.number, start.number + 3n);
  assert.ok(mined.timestamp >= start.timestamp + 25n, `${mined.timestamp} after ${start.timestamp}`);

  const next = mined.timestamp + 1000n;
  await testClient.setNextBlockTimestamp({ timestamp: next });
  await testClient.mine({ blocks: 1 });
  assert.equal((await publicClient.getBlock()).timestamp, next);
  await testClient.increaseTime({ seconds: 3600 });
  await testClient.mine({ blocks: 1 });
  assert.ok((await publicClient.getBlock()).timestamp >= next + 3600n);

  const whale = fresh();
  await testClient.setBalance({ address: whale, value: parseEther("1000000") });
  assert.equal(await publicClient.getBalance({ address: whale }), parseEther("1000000"));

  const renumbered = fresh();
  await testClient.setNonce({ address: renumbered, nonce: 7 });
  assert.equal(await publicClient.getTransactionCount({ address: renumbered }), 7);

  const copy = fresh();
  await testClient.setCode({ address: copy, bytecode: runtimeCode });
  assert.equal(await publicClient.getCode({ address: copy }), runtimeCode);
  const slot = toHex(3n, { size: 32 });
  const value = toHex(0xbeefn, { size: 32 });
  await testClient.setStorageAt({ address: copy, index: slot, value });
  assert.equal(await publicClient.getStorageAt({ address: copy, slot }), value);

  // The node's own keys sign for a JSON-RPC account (eth_sendTransaction); the last dev
  // account, which erc20.test.mjs (running beside this file) does not use.
  const accounts = await testClient.request({ method: "eth_accounts" });
  assert.equal(accounts.length, 10);
  const wallet = createWalletClient({ account: accounts[9], chain, transport: http(url) });
  const hash = await wallet.sendTransaction({ to: whale, value: 5n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  assert.equal(await publicClient.getBalance({ address: whale }), parseEther("1000000") + 5n);
});

test("viem's test client impersonates a token holder without its key", async () => {
  const holder = fresh();
  if (!DEV) {
    await assert.rejects(
      testClient.impersonateAccount({ address: holder }),
      /does not exist\/is not available/,
    );
    return;
  }
  const wallet = createWalletClient({ account: erin, chain, transport: http(url) });
  const deployed = await publicClient.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi, bytecode: initCode, args: ["Held", "HLD", SUPPLY] }),
  });
  const token = deployed.contractAddress;
  const give = await wallet.writeContract({
    address: token,
    abi,
    functionName: "transfer",
    args: [holder, 500n],
  });
  await publicClient.waitForTransactionReceipt({ hash: give });
  await testClient.setBalance({ address: holder, value: parseEther("1") });

  // The holder's key is unknown; impersonated, the node sends for it (eth_sendTransaction).
  const asHolder = createWalletClient({ account: holder, chain, transport: http(url) });
  const to = fresh();
  const send = () =>
    asHolder.writeContract({ address: token, abi, functionName: "transfer", args: [to, 200n] });
  await assert.rejects(send(), /unknown account/);
  await testClient.impersonateAccount({ address: holder });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await send() });
  assert.equal(receipt.status, "success");
  assert.equal(receipt.from.toLowerCase(), holder.toLowerCase());
  const balanceOf = (owner) =>
    publicClient.readContract({ address: token, abi, functionName: "balanceOf", args: [owner] });
  assert.equal(await balanceOf(to), 200n);
  assert.equal(await balanceOf(holder), 300n);

  await testClient.stopImpersonatingAccount({ address: holder });
  await assert.rejects(send(), /unknown account/);
  assert.equal(await balanceOf(to), 200n);
});

test("viem's test client reverts to snapshots and resets the dev chain", { skip: !DEV }, async () => {
  const snapshot = await testClient.snapshot();
  const head = await publicClient.getBlockNumber({ cacheTime: 0 });
  const target = fresh();
  await testClient.setBalance({ address: target, value: 42n });
  const wallet = createWalletClient({ account: erin, chain, transport: http(url) });
  const hash = await wallet.sendTransaction({ to: target, value: 8n });
  await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(await publicClient.getBalance({ address: target }), 50n);
  await testClient.mine({ blocks: 2 });

  await testClient.revert({ id: snapshot });
  assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), head);
  assert.equal(await publicClient.getBalance({ address: target }), 0n);
  await assert.rejects(publicClient.getTransactionReceipt({ hash }), /could not be found/);

  // A fixture's pattern: snapshot, change, revert, and again.
  for (let round = 0; round < 3; round++) {
    const id = await testClient.snapshot();
    await testClient.mine({ blocks: 1 });
    await testClient.revert({ id });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), head);
  }

  await testClient.reset();
  assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), 0n);
  assert.equal(await publicClient.getTransactionCount({ address: erin.address }), 0);
});
