// ethers v6 against a rewasm dev node: the example ERC-20 deployed with a ContractFactory from
// its init code and ABI and used exactly as an EVM token would be, so a JavaScript developer's
// tools work unchanged.
//
// Environment: REWASM_RPC_URL (the node's HTTP URL) and REWASM_ARTIFACTS (the folder `rewasm
// build contracts/examples/erc20 --out DIR` wrote). The node must be a dev chain (chain id
// 31337, the test mnemonic's accounts funded). scripts/client-tests.sh sets all of this up.
// Run: node --test

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, after, test } from "node:test";

import { ethers } from "ethers";

// Accounts 0, 3 and 4 of "test test test test test test test test test test test junk".
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const CAROL_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const DAVE_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";

const SUPPLY = 1_000_000n * 10n ** 18n;
const REVERT_REASON = "ERC20: transfer amount exceeds balance";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/client-tests.sh)`);
  return value;
}

let provider;
let deployer;
let token;
let deployReceipt;

before(async () => {
  // ethers' defaults (request batching, 4 s polling) except the 250 ms response cache, which
  // hands a second transaction sent within 250 ms the first one's "pending" nonce on any node
  // that mines instantly — hardhat and anvil included (ethers-io/ethers.js#4549, where the
  // maintainer recommends turning it off for such nodes). The dev node mines inside
  // eth_sendRawTransaction, so tx.wait() finds the receipt at its first poll.
  provider = new ethers.JsonRpcProvider(requiredEnv("REWASM_RPC_URL"), undefined, {
    cacheTimeout: -1,
  });
  deployer = new ethers.Wallet(DEPLOYER_KEY, provider);
  const folder = requiredEnv("REWASM_ARTIFACTS");
  const abi = JSON.parse(readFileSync(join(folder, "erc20.abi.json"), "utf8"));
  const bytecode = ethers.hexlify(readFileSync(join(folder, "erc20.deploy.wasm")));
  const factory = new ethers.ContractFactory(abi, bytecode, deployer);
  token = await factory.deploy("Rewasm Token", "RWT", SUPPLY);
  await token.waitForDeployment();
  deployReceipt = await token.deploymentTransaction().wait();
});

after(async () => {
  await token?.removeAllListeners();
  provider?.destroy();
});

const freshAddress = () => ethers.Wallet.createRandom().address;

test("the chain is the dev chain", async () => {
  const network = await provider.getNetwork();
  assert.equal(network.chainId, 31337n);
  assert.ok((await provider.getBalance(deployer.address)) > 0n);
});

test("deployment runs the constructor", async () => {
  assert.equal(deployReceipt.status, 1);
  assert.equal(deployReceipt.contractAddress, await token.getAddress());
  assert.equal(await token.name(), "Rewasm Token");
  assert.equal(await token.symbol(), "RWT");
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), SUPPLY);
  assert.notEqual(await provider.getCode(await token.getAddress()), "0x");
  const minted = deployReceipt.logs.map((log) => token.interface.parseLog(log));
  assert.deepEqual(
    minted.map((event) => [event.name, event.args.from, event.args.to, event.args.value]),
    [["Transfer", ethers.ZeroAddress, deployer.address, SUPPLY]],
  );
});

test("transfer moves balances and emits Transfer", async () => {
  const recipient = freshAddress();
  const before = await token.balanceOf(deployer.address);
  const tx = await token.transfer(recipient, 1234n);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, 2);
  assert.ok(receipt.gasUsed > 21000n);
  assert.equal(await token.balanceOf(recipient), 1234n);
  assert.equal(await token.balanceOf(deployer.address), before - 1234n);
  // eth_call at the block before the transfer still sees the old balance.
  assert.equal(await token.balanceOf(recipient, { blockTag: receipt.blockNumber - 1 }), 0n);

  const events = receipt.logs.map((log) => token.interface.parseLog(log));
  assert.equal(events.length, 1);
  assert.equal(events[0].name, "Transfer");
  assert.deepEqual([...events[0].args], [deployer.address, recipient, 1234n]);
  assert.equal(receipt.logs[0].transactionHash, tx.hash);
});

test("Transfer events through eth_getLogs, contract filters and a listener", { timeout: 60_000 }, async () => {
  const recipient = freshAddress();
  const address = await token.getAddress();

  // The listener's eth_newFilter must be answered before the transfer is sent, or the node
  // would rightly not report a log from before the filter existed: watch ethers' own debug
  // events (registered before the listener, so the request cannot slip past) for its answer.
  let filterAnswered;
  const filterInstalled = new Promise((resolve) => {
    filterAnswered = resolve;
  });
  const newFilterIds = new Set();
  const watch = (event) => {
    if (event.action === "sendRpcPayload") {
      for (const payload of [event.payload].flat()) {
        if (payload.method === "eth_newFilter") newFilterIds.add(payload.id);
      }
    } else if (event.action === "receiveRpcResult") {
      for (const result of [event.result].flat()) {
        if (newFilterIds.has(result.id)) filterAnswered(result);
      }
    }
  };
  await provider.on("debug", watch);
  let heardTransfer;
  const heard = new Promise((resolve) => {
    heardTransfer = resolve;
  });
  // The last argument is the ContractEventPayload (with a topic filter it is the only one).
  await token.on(token.filters.Transfer(null, recipient), (...args) => heardTransfer(args.at(-1)));
  let tx;
  try {
    const installed = await filterInstalled;
    await provider.off("debug", watch);
    assert.equal(installed.error, undefined, `eth_newFilter: ${JSON.stringify(installed.error)}`);
    tx = await token.transfer(recipient, 77n);
    const event = await heard;
    assert.deepEqual([...event.args], [deployer.address, recipient, 77n]);
    assert.equal(event.log.transactionHash, tx.hash);
  } finally {
    await token.removeAllListeners();
  }
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  const transferTopic = token.interface.getEvent("Transfer").topicHash;
  assert.equal(transferTopic, ethers.id("Transfer(address,address,uint256)"));

  const raw = await provider.getLogs({
    address,
    fromBlock: receipt.blockNumber,
    toBlock: receipt.blockNumber,
    topics: [transferTopic, null, ethers.zeroPadValue(recipient, 32)],
  });
  assert.equal(raw.length, 1);
  assert.equal(ethers.getAddress(raw[0].address), address);
  assert.equal(BigInt(raw[0].data), 77n);

  const byRecipient = await token.queryFilter(token.filters.Transfer(null, recipient), 0);
  assert.deepEqual(
    byRecipient.map((event) => [event.args.from, event.args.value]),
    [[deployer.address, 77n]],
  );
  const fromDeployer = await token.queryFilter(token.filters.Transfer(deployer.address), 0);
  assert.ok(fromDeployer.length >= 2, "earlier transfers and this one");
  const mints = await token.queryFilter(token.filters.Transfer(ethers.ZeroAddress), 0);
  assert.equal(mints.length, 1);
});

test("a failing transfer shows its revert reason", async () => {
  const carol = new ethers.Wallet(CAROL_KEY, provider);
  const poor = token.connect(carol);
  const recipient = freshAddress();
  assert.equal(await token.balanceOf(carol.address), 0n);

  await assert.rejects(poor.transfer.staticCall(recipient, 1n), (error) => {
    assert.equal(error.code, "CALL_EXCEPTION");
    assert.equal(error.reason, REVERT_REASON);
    return true;
  });
  await assert.rejects(poor.transfer.estimateGas(recipient, 1n), (error) => {
    assert.equal(error.code, "CALL_EXCEPTION");
    assert.equal(error.reason, REVERT_REASON);
    return true;
  });
  // Sent anyway with a fixed gas limit, it is mined with status 0 and no logs.
  const tx = await poor.transfer(recipient, 1n, { gasLimit: 200_000n });
  await assert.rejects(tx.wait(), (error) => {
    assert.equal(error.code, "CALL_EXCEPTION");
    assert.equal(error.receipt.status, 0);
    assert.equal(error.receipt.logs.length, 0);
    return true;
  });
  assert.equal(await token.balanceOf(recipient), 0n);
});

test("a token's revert reaches ethers through the vault that called it, with the token's reason", async () => {
  const folder = requiredEnv("REWASM_ARTIFACTS");
  const vaultAbi = JSON.parse(readFileSync(join(folder, "vault.abi.json"), "utf8"));
  const vaultCode = ethers.hexlify(readFileSync(join(folder, "vault.deploy.wasm")));
  const dave = new ethers.Wallet(DAVE_KEY, provider);
  const vault = await new ethers.ContractFactory(vaultAbi, vaultCode, deployer).deploy(await token.getAddress());
  await vault.waitForDeployment();
  const vaultAddress = await vault.getAddress();
  await (await token.transfer(dave.address, 20n)).wait();
  await (await token.connect(dave).approve(vaultAddress, 10n)).wait();

  // dave -> vault.deposit -> token.transferFrom, which reverts past the allowance: ethers reads
  // the innermost reason out of the revert data the vault passed on unchanged.
  const daves = vault.connect(dave);
  for (const attempt of [() => daves.deposit.staticCall(11n), () => daves.deposit.estimateGas(11n)]) {
    await assert.rejects(attempt(), (error) => {
      assert.equal(error.code, "CALL_EXCEPTION");
      assert.equal(error.reason, "ERC20: insufficient allowance");
      return true;
    });
  }
  await (await daves.deposit(10n)).wait();
  assert.equal(await vault.deposited(dave.address), 10n);
  assert.equal(await token.balanceOf(vaultAddress), 10n);
});

test("eth_estimateGas is enough and not wasteful", async () => {
  const recipient = freshAddress();
  const estimate = await token.transfer.estimateGas(recipient, 5n);
  assert.ok(estimate > 21000n);
  const receipt = await (await token.transfer(recipient, 5n, { gasLimit: estimate })).wait();
  assert.equal(receipt.status, 1);
  assert.ok(receipt.gasUsed <= estimate);
  const plain = await provider.estimateGas({ from: deployer.address, to: recipient, value: 1n });
  assert.equal(plain, 21000n);
});

test("EIP-1559 and legacy transactions are both mined", async () => {
  const recipient = freshAddress();
  const fees = await provider.getFeeData();
  assert.ok(fees.maxFeePerGas > 0n && fees.gasPrice > 0n);

  const dynamic = await (await token.transfer(recipient, 1n, { type: 2 })).wait();
  assert.equal(dynamic.status, 1);
  assert.equal(dynamic.type, 2);
  const sentDynamic = await provider.getTransaction(dynamic.hash);
  assert.equal(sentDynamic.type, 2);
  assert.ok(sentDynamic.maxFeePerGas >= sentDynamic.maxPriorityFeePerGas);

  const legacy = await (await token.transfer(recipient, 2n, { type: 0 })).wait();
  assert.equal(legacy.status, 1);
  assert.equal(legacy.type, 0);
  const sentLegacy = await provider.getTransaction(legacy.hash);
  assert.equal(sentLegacy.type, 0);
  assert.equal(sentLegacy.chainId, 31337n);

  assert.equal(await token.balanceOf(recipient), 3n);
});

test("a stale nonce is refused with nonce too low", async () => {
  const dave = new ethers.Wallet(DAVE_KEY, provider);
  const first = await (await dave.sendTransaction({ to: freshAddress(), value: 1n })).wait();
  assert.equal(first.status, 1);
  const used = (await provider.getTransaction(first.hash)).nonce;
  await assert.rejects(
    dave.sendTransaction({ to: freshAddress(), value: 1n, nonce: used }),
    (error) => {
      assert.equal(error.code, "NONCE_EXPIRED");
      assert.match(error.info.error.message, /nonce too low/);
      return true;
    },
  );
  assert.equal(await provider.getTransactionCount(dave.address), used + 1);
});

test("the dev node signs with its accounts (provider.getSigner)", async () => {
  // The dev node holds the ten dev accounts' keys, as anvil does; a network node holds none.
  const to = freshAddress();
  if (process.env.REWASM_DEV_ACCOUNTS !== "1") {
    assert.deepEqual(await provider.send("eth_accounts", []), []);
    await assert.rejects(
      provider.send("eth_sendTransaction", [{ from: deployer.address, to, value: "0x1" }]),
      /unknown account/,
    );
    return;
  }
  const accounts = await provider.listAccounts();
  assert.equal(accounts.length, 10);
  assert.equal(accounts[0].address, deployer.address);
  const signer = await provider.getSigner(8);
  const receipt = await (await signer.sendTransaction({ to, value: 777n })).wait();
  assert.equal(receipt.status, 1);
  assert.equal(await provider.getBalance(to), 777n);
  const signature = await signer.signMessage("hello rewasm");
  assert.equal(ethers.verifyMessage("hello rewasm", signature), await signer.getAddress());
  // EIP-712 through eth_signTypedData_v4.
  const domain = { name: "rewasm", version: "1", chainId: 31337n };
  const types = { Greeting: [{ name: "text", type: "string" }, { name: "to", type: "address" }] };
  const value = { text: "hello", to };
  const typed = await signer.signTypedData(domain, types, value);
  assert.equal(ethers.verifyTypedData(domain, types, value, typed), await signer.getAddress());
});
