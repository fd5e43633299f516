"""The response checker (../spec/check_responses.py) refuses what the specification refuses, so
that its "0 invalid" in scripts/client-tests.sh means something."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "spec"))
from check_responses import Specification  # noqa: E402

SHARED = Path(os.environ.get("REWASM_SHARED", Path(__file__).resolve().parents[5] / "shared"))


@pytest.fixture(scope="module")
def spec():
    return Specification(SHARED / "conformance" / "execution-apis")


def answer(result=None, error=None):
    message = {"jsonrpc": "2.0", "id": 1}
    if error is not None:
        message["error"] = error
    else:
        message["result"] = result
    return message


def test_valid_answers_pass(spec):
    assert spec.problems("eth_blockNumber", answer("0x1a")) == []
    assert spec.problems("eth_getBlockByNumber", answer(None)) == []
    assert spec.problems("eth_getFilterChanges", answer([])) == []
    assert spec.problems("eth_call", answer(error={"code": -32000, "message": "x"})) == []
    pooled = {
        "blockHash": None,
        "blockNumber": None,
        "blockTimestamp": None,
        "transactionIndex": None,
        "from": "0x" + "11" * 20,
        "hash": "0x" + "22" * 32,
        "type": "0x0",
        "nonce": "0x0",
        "gas": "0x5208",
        "value": "0x0",
        "input": "0x",
        "gasPrice": "0x1",
        "v": "0x1b",
        "r": "0x1",
        "s": "0x1",
    }
    assert spec.problems("eth_getTransactionByHash", answer(pooled)) == []
    assert spec.problems("eth_getTransactionByHash", answer({**pooled, "hash": "0x1"}))
    reverted = {"code": 3, "message": "execution reverted", "data": "0x08c379a0"}
    assert spec.problems("eth_call", answer(error=reverted)) == []


@pytest.mark.parametrize(
    "method, message",
    [
        ("eth_blockNumber", answer("0x01")),
        ("eth_blockNumber", answer(26)),
        ("eth_getBalance", answer("12")),
        ("eth_chainId", {"jsonrpc": "2.0", "id": 1}),
        ("eth_getTransactionByHash", answer({"hash": "0x12"})),
        ("eth_getBlockByNumber", answer({"number": "0x1"})),
        ("eth_call", answer(error={"code": "3", "message": "execution reverted"})),
        ("eth_call", answer(error={"code": 3, "message": "execution reverted"})),
        ("eth_signTransaction", answer("0x02f86c")),
    ],
)
def test_invalid_answers_are_caught(spec, method, message):
    assert spec.problems(method, message), (method, message)
