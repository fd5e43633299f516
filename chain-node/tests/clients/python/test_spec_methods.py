"""Every method of the Ethereum JSON-RPC specification, called raw on a chain with a deployed
ERC-20 and a transfer in it, including the error answers the specification lists (a revert
with its data, unknown hashes, the genesis block's trace).

Each case asserts what the node answered; scripts/client-tests.sh records these exchanges (and
those of the other client suites) through spec/record_proxy.py and validates every answer
against the specification's result schemas with spec/check_responses.py --require-all, which
fails if any specified method went unanswered. Methods rewasm does not serve (rpc::NOT_SERVED:
blobs, block access lists, forks) must answer -32601 with their reason.
"""

import json
import os
import urllib.request

import pytest
from eth_account import Account
from web3 import Web3
from websockets.sync.client import connect

from test_erc20 import (  # noqa: F401 (fixtures)
    ALICE_KEY,
    DEPLOYER_KEY,
    REVERT_REASON,
    artifacts,
    deployment,
    sign_and_send,
    token,
    transfer_tx,
    w3,
)

NOT_SERVED = {
    "eth_blobBaseFee",
    "eth_config",
    "eth_getBlockAccessList",
    "debug_getRawBlockAccessList",
}
UNKNOWN_HASH = "0x" + "ab" * 32
CALL_TRACER = {"tracer": "callTracer"}


def dev_accounts():
    return os.environ.get("REWASM_DEV_ACCOUNTS") == "1"


def rpc(method, params):
    """One raw JSON-RPC exchange: the answer object as the node sent it."""
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).encode()
    request = urllib.request.Request(
        os.environ["REWASM_RPC_URL"], data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert answer["jsonrpc"] == "2.0" and answer["id"] == 7, answer
    return answer


def result(method, params):
    answer = rpc(method, params)
    assert "result" in answer, f"{method}: {answer}"
    return answer["result"]


def error(method, params):
    answer = rpc(method, params)
    assert "error" in answer, f"{method}: {answer}"
    return answer["error"]


@pytest.fixture(scope="module")
def chain(w3, token):
    """A block holding an ERC-20 transfer, and what the cases below refer to."""
    alice = Account.from_key(ALICE_KEY).address
    deployer = Account.from_key(DEPLOYER_KEY).address
    receipt = sign_and_send(w3, DEPLOYER_KEY, transfer_tx(token, deployer, alice, 5))
    assert receipt["status"] == 1
    balance_of = token.functions.balanceOf(alice)._encode_transaction_data()
    overdraft = token.functions.transfer(deployer, 10**30)._encode_transaction_data()
    return {
        "token": token.address,
        "sender": deployer,
        "alice": alice,
        "block_hash": receipt["blockHash"].to_0x_hex(),
        "block_number": hex(receipt["blockNumber"]),
        "tx_hash": receipt["transactionHash"].to_0x_hex(),
        "balance_of": {"to": token.address, "data": balance_of},
        "overdraft": {"from": alice, "to": token.address, "data": overdraft},
    }


def test_blocks(chain):
    by_hash = result("eth_getBlockByHash", [chain["block_hash"], True])
    assert by_hash["hash"] == chain["block_hash"]
    assert by_hash["transactions"][0]["hash"] == chain["tx_hash"]
    by_number = result("eth_getBlockByNumber", [chain["block_number"], False])
    assert by_number["transactions"] == [chain["tx_hash"]]
    assert result("eth_getBlockByNumber", ["latest", True])["number"]
    assert result("eth_getBlockByNumber", ["earliest", False])["number"] == "0x0"
    assert result("eth_getBlockByHash", [UNKNOWN_HASH, False]) is None
    assert result("eth_getBlockByNumber", ["0xffffffff", False]) is None
    assert result("eth_getBlockTransactionCountByHash", [chain["block_hash"]]) == "0x1"
    assert result("eth_getBlockTransactionCountByNumber", [chain["block_number"]]) == "0x1"
    receipts = result("eth_getBlockReceipts", [chain["block_number"]])
    assert [receipt["transactionHash"] for receipt in receipts] == [chain["tx_hash"]]
    assert result("eth_getBlockReceipts", [UNKNOWN_HASH]) is None


def test_transactions(chain):
    assert result("eth_getTransactionByHash", [chain["tx_hash"]])["blockHash"] == chain["block_hash"]
    assert result("eth_getTransactionByHash", [UNKNOWN_HASH]) is None
    by_hash = result("eth_getTransactionByBlockHashAndIndex", [chain["block_hash"], "0x0"])
    by_number = result("eth_getTransactionByBlockNumberAndIndex", [chain["block_number"], "0x0"])
    assert by_hash["hash"] == by_number["hash"] == chain["tx_hash"]
    assert result("eth_getTransactionByBlockNumberAndIndex", [chain["block_number"], "0x5"]) is None
    receipt = result("eth_getTransactionReceipt", [chain["tx_hash"]])
    assert receipt["status"] == "0x1" and len(receipt["logs"]) == 1
    assert result("eth_getTransactionReceipt", [UNKNOWN_HASH]) is None


def test_client_and_fees(chain):
    assert result("eth_chainId", []) == "0x7a69"
    assert result("net_version", []) == "31337"
    assert result("eth_syncing", []) is False
    assert int(result("eth_blockNumber", []), 16) >= int(chain["block_number"], 16)
    assert result("eth_coinbase", [])
    accounts = result("eth_accounts", [])
    assert len(accounts) == (10 if dev_accounts() else 0)
    capabilities = result("eth_capabilities", [])
    assert capabilities["head"]["number"]
    assert int(result("eth_gasPrice", []), 16) > 0
    assert int(result("eth_baseFee", []), 16) > 0
    assert int(result("eth_maxPriorityFeePerGas", []), 16) >= 0
    history = result("eth_feeHistory", ["0x4", "latest", [25, 75]])
    assert len(history["baseFeePerGas"]) == len(history["gasUsedRatio"]) + 1
    assert all(len(rewards) == 2 for rewards in history["reward"])


def test_state(chain):
    token, alice = chain["token"], chain["alice"]
    assert int(result("eth_getBalance", [alice, "latest"]), 16) > 0
    assert int(result("eth_getTransactionCount", [chain["sender"], "latest"]), 16) >= 2
    assert result("eth_getCode", [token, "latest"]).startswith("0x0061736d")
    assert result("eth_getCode", [alice, "latest"]) == "0x"
    slot = result("eth_getStorageAt", [token, "0x0", "latest"])
    assert len(slot) == 66
    values = result("eth_getStorageValues", [{token: ["0x0", "0x1"], alice: ["0x0"]}, "latest"])
    assert values[token][0] == slot and values[alice] == ["0x" + "00" * 32]
    proof = result("eth_getProof", [token, ["0x0"], "latest"])
    assert proof["address"].lower() == token.lower()
    assert proof["accountProof"] and proof["storageProof"][0]["value"] == hex(int(slot, 16))


def test_execution(chain):
    assert int(result("eth_call", [chain["balance_of"], "latest"]), 16) == 5
    assert int(result("eth_estimateGas", [chain["balance_of"]]), 16) > 21000
    listed = result("eth_createAccessList", [chain["balance_of"], "latest"])
    # The target's slots are warm anyway, so geth leaves them out, as the node does.
    assert listed["accessList"] == [] and int(listed["gasUsed"], 16) > 21000
    for method, params in (
        ("eth_call", [chain["overdraft"], "latest"]),
        ("eth_estimateGas", [chain["overdraft"]]),
    ):
        reverted = error(method, params)
        assert reverted["code"] == 3 and REVERT_REASON in reverted["message"]
        assert reverted["data"].startswith("0x08c379a0")


def test_overrides_and_simulation(chain):
    token, alice, sender = chain["token"], chain["alice"], chain["sender"]
    slot = "0x" + "00" * 32
    empty_slots = {token: {"state": {}}}
    assert int(result("eth_call", [chain["balance_of"], "latest", empty_slots]), 16) == 0
    pauper = Account.create().address
    payment = {"from": pauper, "to": alice, "value": "0x1"}
    assert "insufficient funds" in error("eth_estimateGas", [payment])["message"]
    funded = {pauper: {"balance": "0xde0b6b3a7640000"}}
    assert int(result("eth_estimateGas", [payment, "latest", funded]), 16) == 21000
    assert result("eth_call", [chain["balance_of"], "latest", {}, {"number": "0x100000"}])
    transfer = {"from": sender, "to": token, "input": chain["overdraft"]["data"]}
    balance_of = {"from": sender, **chain["balance_of"]}
    blocks = result(
        "eth_simulateV1",
        [
            {
                "blockStateCalls": [
                    {"calls": [balance_of, transfer]},
                    {"stateOverrides": {token: {"stateDiff": {slot: slot}}}, "calls": [balance_of]},
                ],
                "returnFullTransactions": True,
            },
            "latest",
        ],
    )
    assert len(blocks) == 2 and blocks[1]["parentHash"] == blocks[0]["hash"]
    first, reverted = blocks[0]["calls"]
    assert first["status"] == "0x1" and int(first["returnData"], 16) == 5
    assert reverted["status"] == "0x0" and reverted["error"]["code"] == 3
    assert REVERT_REASON in reverted["error"]["message"]
    assert blocks[0]["transactions"][1]["from"].lower() == sender.lower()
    assert blocks[1]["calls"][0]["status"] == "0x1"
    assert error("eth_simulateV1", [{"blockStateCalls": [{}], "traceTransfers": True}])["code"] == -32602
    assert error("eth_simulateV1", [{"blockStateCalls": []}])["code"] == -32602


def test_filters(chain):
    token_logs = {"address": chain["token"], "fromBlock": "0x0", "toBlock": "latest"}
    logs = result("eth_getLogs", [token_logs])
    assert chain["tx_hash"] in [log["transactionHash"] for log in logs]
    log_filter = result("eth_newFilter", [token_logs])
    assert len(result("eth_getFilterLogs", [log_filter])) == len(logs)
    assert result("eth_getFilterChanges", [log_filter]) is not None
    block_filter = result("eth_newBlockFilter", [])
    assert result("eth_getFilterChanges", [block_filter]) == []
    pending_filter = result("eth_newPendingTransactionFilter", [])
    assert result("eth_getFilterChanges", [pending_filter]) == []
    for installed in (log_filter, block_filter, pending_filter):
        assert result("eth_uninstallFilter", [installed]) is True
    assert result("eth_uninstallFilter", [log_filter]) is False
    assert error("eth_getFilterChanges", [log_filter])["code"] == -32000


def test_signing_and_submitting(w3, chain):
    alice = chain["alice"]
    payment = {"from": alice, "to": chain["sender"], "value": "0x1", "gas": "0x5208"}
    filled = result("eth_fillTransaction", [payment])
    assert filled["tx"]["gas"] == "0x5208" and filled["raw"].startswith("0x02")
    if not dev_accounts():
        for method, params in (
            ("eth_sign", [alice, "0x1234"]),
            ("eth_signTransaction", [payment]),
            ("eth_sendTransaction", [payment]),
        ):
            assert "unknown account" in error(method, params)["message"], method
    else:
        assert len(result("eth_sign", [alice, "0x1234"])) == 132
        signed = result("eth_signTransaction", [payment])
        assert signed["tx"]["to"].lower() == chain["sender"].lower()
        raw = signed["raw"]
        sent = result("eth_sendRawTransaction", [raw])
        assert w3.eth.wait_for_transaction_receipt(sent, timeout=60)["status"] == 1
        stale = error("eth_sendRawTransaction", [raw])
        assert "already known" in stale["message"] or "nonce too low" in stale["message"]
        sent = result("eth_sendTransaction", [payment])
        assert w3.eth.wait_for_transaction_receipt(sent, timeout=60)["status"] == 1


def test_raw_getters(chain):
    number, tx_hash = chain["block_number"], chain["tx_hash"]
    header = result("debug_getRawHeader", [number])
    block = result("debug_getRawBlock", [number])
    assert Web3.keccak(hexstr=header).to_0x_hex() == chain["block_hash"]
    assert len(block) > len(header)
    assert result("debug_getRawTransaction", [tx_hash]).startswith("0x02")
    assert len(result("debug_getRawReceipts", [number])) == 1
    assert result("debug_getBadBlocks", []) == []


def test_traces(chain):
    trace = result("debug_traceTransaction", [chain["tx_hash"], CALL_TRACER])
    assert trace["to"].lower() == chain["token"].lower() and trace["type"] == "CALL"
    by_number = result("debug_traceBlockByNumber", [chain["block_number"], CALL_TRACER])
    by_hash = result("debug_traceBlockByHash", [chain["block_hash"], CALL_TRACER])
    assert by_number == by_hash and by_number[0]["txHash"] == chain["tx_hash"]
    assert error("debug_traceBlockByNumber", ["0x0", CALL_TRACER])["code"] != 0
    assert error("debug_traceTransaction", [UNKNOWN_HASH, CALL_TRACER])["code"] != 0


def test_websocket_answers_and_notifies(w3):
    """The same methods over WebSocket, and a newHeads subscription seeing a new block."""
    url = os.environ["REWASM_RPC_URL"].replace("http", "ws", 1)
    with connect(url, open_timeout=30) as socket:

        def ask(identifier, method, params):
            socket.send(json.dumps({"jsonrpc": "2.0", "id": identifier, "method": method, "params": params}))
            answer = json.loads(socket.recv(timeout=30))
            assert answer["id"] == identifier, answer
            return answer["result"]

        assert ask(1, "eth_chainId", []) == "0x7a69"
        before = int(ask(2, "eth_blockNumber", []), 16)
        subscription = ask(3, "eth_subscribe", ["newHeads"])
        receipt = sign_and_send(w3, DEPLOYER_KEY, {"to": Account.create().address, "value": 1})
        while True:
            notification = json.loads(socket.recv(timeout=60))
            assert notification["method"] == "eth_subscription", notification
            assert notification["params"]["subscription"] == subscription
            if int(notification["params"]["result"]["number"], 16) >= receipt["blockNumber"]:
                break
        assert receipt["blockNumber"] > before
        assert ask(4, "eth_unsubscribe", [subscription]) is True


@pytest.mark.parametrize("method", sorted(NOT_SERVED))
def test_methods_not_served_say_why(method):
    refused = error(method, [])
    assert refused["code"] == -32601, refused
    assert "rewasm" in refused["message"], refused
