"""web3.py v7 against a rewasm dev node: the example ERC-20 deployed from its init code and ABI
and used exactly as an EVM token would be, so a Python developer's tools work unchanged.

Environment: REWASM_RPC_URL (the node's HTTP URL) and REWASM_ARTIFACTS (the folder `rewasm build
contracts/examples/erc20 --out DIR` wrote: erc20.deploy.wasm and erc20.abi.json). The node must
be a dev chain (chain id 31337, the test mnemonic's accounts funded). scripts/client-tests.sh
sets all of this up.
"""

import json
import os
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

# Accounts 0-2 of "test test test test test test test test test test test junk".
DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ALICE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
BOB_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"

SUPPLY = 1_000_000 * 10**18
REVERT_REASON = "ERC20: transfer amount exceeds balance"
TRANSFER_TOPIC = Web3.keccak(text="Transfer(address,address,uint256)")


def required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set (run scripts/client-tests.sh)")
    return value


@pytest.fixture(scope="module")
def w3():
    web3 = Web3(Web3.HTTPProvider(required_env("REWASM_RPC_URL"), request_kwargs={"timeout": 60}))
    assert web3.is_connected(), "the node does not answer"
    return web3


@pytest.fixture(scope="module")
def artifacts():
    folder = Path(required_env("REWASM_ARTIFACTS"))
    abi = json.loads((folder / "erc20.abi.json").read_text())
    bytecode = "0x" + (folder / "erc20.deploy.wasm").read_bytes().hex()
    return abi, bytecode


def sign_and_send(w3, key, tx):
    """Fills nonce, chain id, gas and fees as a wallet would, signs locally, waits for the receipt."""
    account = Account.from_key(key)
    tx = dict(tx)
    tx.setdefault("from", account.address)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    tx.setdefault("chainId", w3.eth.chain_id)
    if "gasPrice" not in tx:
        tx.setdefault("maxPriorityFeePerGas", w3.eth.max_priority_fee)
        base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
        tx.setdefault("maxFeePerGas", 2 * base_fee + tx["maxPriorityFeePerGas"])
    if "gas" not in tx:
        tx["gas"] = w3.eth.estimate_gas(tx)
    signed = Account.sign_transaction(tx, key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert tx_hash == signed.hash
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.1)


@pytest.fixture(scope="module")
def deployment(w3, artifacts):
    abi, bytecode = artifacts
    deployer = Account.from_key(DEPLOYER_KEY)
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    tx = factory.constructor("Rewasm Token", "RWT", SUPPLY).build_transaction(
        {"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address, "pending")}
    )
    receipt = sign_and_send(w3, DEPLOYER_KEY, tx)
    assert receipt["status"] == 1, receipt
    assert receipt["contractAddress"], receipt
    return w3.eth.contract(address=receipt["contractAddress"], abi=abi), receipt


@pytest.fixture(scope="module")
def token(deployment):
    return deployment[0]


def transfer_tx(token, sender, to, amount, extra=None):
    params = {"from": sender, "nonce": token.w3.eth.get_transaction_count(sender, "pending")}
    params.update(extra or {})
    return token.functions.transfer(to, amount).build_transaction(params)


def test_chain_id_is_the_dev_chain(w3):
    assert w3.eth.chain_id == 31337
    assert w3.eth.get_balance(Account.from_key(BOB_KEY).address) > 0


def test_deployment_runs_the_constructor(w3, token, deployment):
    _, receipt = deployment
    deployer = Account.from_key(DEPLOYER_KEY).address
    assert token.functions.name().call() == "Rewasm Token"
    assert token.functions.symbol().call() == "RWT"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == SUPPLY
    assert token.functions.balanceOf(deployer).call() == SUPPLY
    assert len(w3.eth.get_code(token.address)) > 0
    minted = token.events.Transfer().process_receipt(receipt)
    assert [(e.args["from"], e.args["to"], e.args["value"]) for e in minted] == [
        ("0x0000000000000000000000000000000000000000", deployer, SUPPLY)
    ]


def test_transfer_moves_balances_and_emits_transfer(w3, token):
    deployer = Account.from_key(DEPLOYER_KEY).address
    recipient = Account.create().address
    before = token.functions.balanceOf(deployer).call()
    receipt = sign_and_send(w3, DEPLOYER_KEY, transfer_tx(token, deployer, recipient, 1234))
    assert receipt["status"] == 1
    assert receipt["type"] == 2
    assert receipt["gasUsed"] > 21000
    assert token.functions.balanceOf(recipient).call() == 1234
    assert token.functions.balanceOf(deployer).call() == before - 1234
    # The balance at the block before the transfer is still there (eth_call at a past block).
    assert token.functions.balanceOf(recipient).call(block_identifier=receipt["blockNumber"] - 1) == 0

    events = token.events.Transfer().process_receipt(receipt)
    assert len(events) == 1
    assert events[0].args["from"] == deployer
    assert events[0].args["to"] == recipient
    assert events[0].args["value"] == 1234
    assert events[0].transactionHash == receipt["transactionHash"]
    assert events[0].blockNumber == receipt["blockNumber"]


def test_transfer_events_through_get_logs_and_filters(w3, token):
    deployer = Account.from_key(DEPLOYER_KEY).address
    recipient = Account.create().address
    event_filter = token.events.Transfer.create_filter(
        from_block="latest", argument_filters={"to": recipient}
    )
    receipt = sign_and_send(w3, DEPLOYER_KEY, transfer_tx(token, deployer, recipient, 77))
    block = receipt["blockNumber"]

    raw = w3.eth.get_logs(
        {
            "address": token.address,
            "fromBlock": block,
            "toBlock": block,
            "topics": [TRANSFER_TOPIC, None, "0x" + "00" * 12 + recipient[2:].lower()],
        }
    )
    assert len(raw) == 1
    assert raw[0]["address"] == token.address
    assert raw[0]["topics"][0] == TRANSFER_TOPIC
    assert int.from_bytes(raw[0]["data"], "big") == 77

    by_recipient = token.events.Transfer.get_logs(from_block=0, argument_filters={"to": recipient})
    assert [(e.args["from"], e.args["value"]) for e in by_recipient] == [(deployer, 77)]
    all_transfers = token.events.Transfer.get_logs(from_block=0)
    assert len(all_transfers) >= 2, "the mint and this transfer at least"

    changes = event_filter.get_new_entries()
    assert [(e.args["to"], e.args["value"]) for e in changes] == [(recipient, 77)]
    assert event_filter.get_new_entries() == []
    entries = event_filter.get_all_entries()
    assert [(e.args["to"], e.args["value"]) for e in entries] == [(recipient, 77)]
    assert w3.eth.uninstall_filter(event_filter.filter_id)


def test_failing_transfer_shows_the_revert_reason(w3, token):
    alice = Account.from_key(ALICE_KEY).address
    recipient = Account.create().address
    assert token.functions.balanceOf(alice).call() == 0

    with pytest.raises(ContractLogicError) as call_error:
        token.functions.transfer(recipient, 1).call({"from": alice})
    assert REVERT_REASON in str(call_error.value)
    assert call_error.value.message == f"execution reverted: {REVERT_REASON}"

    with pytest.raises(ContractLogicError) as estimate_error:
        token.functions.transfer(recipient, 1).estimate_gas({"from": alice})
    assert REVERT_REASON in str(estimate_error.value)

    # Sent anyway with a fixed gas limit, the transaction is mined with status 0 and no logs.
    receipt = sign_and_send(w3, ALICE_KEY, transfer_tx(token, alice, recipient, 1, {"gas": 200_000}))
    assert receipt["status"] == 0
    assert receipt["logs"] == []
    assert token.functions.balanceOf(recipient).call() == 0


def test_estimate_gas_is_enough_and_not_wasteful(w3, token):
    deployer = Account.from_key(DEPLOYER_KEY).address
    recipient = Account.create().address
    tx = transfer_tx(token, deployer, recipient, 5)
    estimate = w3.eth.estimate_gas({"from": deployer, "to": token.address, "data": tx["data"]})
    assert estimate > 21000
    tx["gas"] = estimate
    receipt = sign_and_send(w3, DEPLOYER_KEY, tx)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] <= estimate
    plain = w3.eth.estimate_gas({"from": deployer, "to": recipient, "value": 1})
    assert plain == 21000


def test_dynamic_fee_and_legacy_transactions_are_both_mined(w3, token):
    deployer = Account.from_key(DEPLOYER_KEY).address
    recipient = Account.create().address

    dynamic = sign_and_send(w3, DEPLOYER_KEY, transfer_tx(token, deployer, recipient, 1))
    assert dynamic["status"] == 1
    assert dynamic["type"] == 2
    sent = w3.eth.get_transaction(dynamic["transactionHash"])
    assert sent["type"] == 2
    assert sent["maxFeePerGas"] >= sent["maxPriorityFeePerGas"]

    legacy_tx = transfer_tx(token, deployer, recipient, 2, {"gasPrice": w3.eth.gas_price})
    legacy = sign_and_send(w3, DEPLOYER_KEY, legacy_tx)
    assert legacy["status"] == 1
    assert legacy["type"] == 0
    sent = w3.eth.get_transaction(legacy["transactionHash"])
    assert sent["type"] == 0
    assert sent["chainId"] == 31337
    assert sent["v"] in (31337 * 2 + 35, 31337 * 2 + 36)

    assert token.functions.balanceOf(recipient).call() == 3


def test_nonce_too_low_is_refused(w3):
    bob = Account.from_key(BOB_KEY)
    first = sign_and_send(w3, BOB_KEY, {"to": Account.create().address, "value": 1})
    assert first["status"] == 1
    used = w3.eth.get_transaction(first["transactionHash"])["nonce"]
    stale = {
        "to": Account.create().address,
        "value": 1,
        "nonce": used,
        "chainId": 31337,
        "gas": 21000,
        "gasPrice": w3.eth.gas_price,
    }
    signed = Account.sign_transaction(stale, BOB_KEY)
    with pytest.raises(Web3RPCError) as error:
        w3.eth.send_raw_transaction(signed.raw_transaction)
    assert "nonce too low" in str(error.value)
    assert w3.eth.get_transaction_count(bob.address) == used + 1


def test_the_dev_node_signs_with_its_accounts(w3):
    """web3.py's send_transaction and sign, which leave signing to the node: the dev node holds
    the ten dev accounts' keys, as anvil does; a network node holds none and says so."""
    recipient = Account.create().address
    if os.environ.get("REWASM_DEV_ACCOUNTS") != "1":
        assert w3.eth.accounts == []
        deployer = Account.from_key(DEPLOYER_KEY).address
        with pytest.raises(Web3RPCError) as error:
            w3.eth.send_transaction({"from": deployer, "to": recipient, "value": 1})
        assert "unknown account" in str(error.value)
        return
    accounts = w3.eth.accounts
    assert len(accounts) == 10
    assert accounts[0] == Account.from_key(DEPLOYER_KEY).address
    sender = accounts[7]
    tx_hash = w3.eth.send_transaction({"from": sender, "to": recipient, "value": 12345})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.1)
    assert receipt["status"] == 1
    assert w3.eth.get_balance(recipient) == 12345
    signature = w3.eth.sign(sender, text="hello rewasm")
    assert Account.recover_message(encode_defunct(text="hello rewasm"), signature=signature) == sender
