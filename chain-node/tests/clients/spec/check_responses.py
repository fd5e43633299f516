"""Validates recorded JSON-RPC answers against the Ethereum JSON-RPC specification.

    check_responses.py --spec ../shared/conformance/execution-apis --record FILE [--require-all]

FILE holds the exchanges record_proxy.py wrote while the client suites ran. For each answer to a
method the specification defines (`eth/*.yaml`, `debug/*.yaml`):
- a result must validate against the method's result schema, `$ref`s resolved to `schemas/`;
- an error must be a JSON-RPC 2.0 error object (integer code, string message), and when the
  method lists an error with that code and a `data` schema (eth_call's code 3 with the revert
  data), its data must be present and validate.
Two gaps of the specification are allowed for:
- a `oneOf` of two array schemas cannot hold an empty array (it is valid under both), yet `[]`
  is what eth_getFilterChanges answers when nothing changed; such answers count as valid;
- eth_getTransactionByHash's result lists only mined transactions (`TransactionInfo`), yet
  every client answers for a transaction still in the pool, with null block fields; such an
  answer is validated against the specification's own schema of one, `PendingTransactionInfo`.
The error codes themselves follow geth (`-32000` with geth's texts), which clients parse; the
specification's error-group catalog (codes 1000+) is not required of them.
With --require-all, every method of the specification must have been answered at least once.
Prints one line per invalid answer and a summary; exits non-zero on any invalid answer.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:execution-apis"
NAMESPACES = ("eth", "debug")
# Methods that answer a transaction still in the pool (see the module documentation).
POOL_LOOKUPS = {"eth_getTransactionByHash"}
# The JSON-RPC 2.0 error object (section 5.1).
ERROR_OBJECT = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}


def load_yaml_files(folder):
    return [yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yaml"))]


class Specification:
    def __init__(self, folder):
        schemas = {}
        for document in load_yaml_files(folder / "schemas"):
            schemas.update(document)
        self.methods = {}
        for namespace in NAMESPACES:
            for document in load_yaml_files(folder / namespace):
                self.methods.update({method["name"]: method for method in document})
        root = {"components": {"schemas": schemas}, "methods": self.methods}
        registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(root, default_specification=DRAFT202012)
        )
        self.results = {
            name: Draft202012Validator(
                {"$ref": f"{SPEC_URI}#/methods/{name}/result/schema"}, registry=registry
            )
            for name in self.methods
        }
        self.error_data = {
            name: {
                error["code"]: Draft202012Validator(
                    {"$ref": f"{SPEC_URI}#/methods/{name}/errors/{index}/data"}, registry=registry
                )
                for index, error in enumerate(method.get("errors", []))
                if "data" in error
            }
            for name, method in self.methods.items()
        }
        self.pending_transaction = Draft202012Validator(
            {"$ref": f"{SPEC_URI}#/components/schemas/PendingTransactionInfo"}, registry=registry
        )
        self.error_object = Draft202012Validator(ERROR_OBJECT)

    def problems(self, method, response):
        """What is wrong with one answer to `method`, as readable lines (none when it is valid)."""
        if response.get("jsonrpc") != "2.0":
            return [f"jsonrpc is {response.get('jsonrpc')!r}, not '2.0'"]
        if ("result" in response) == ("error" in response):
            return ["an answer carries exactly one of result and error"]
        if "result" in response:
            result = response["result"]
            if method in POOL_LOOKUPS and isinstance(result, dict) and result.get("blockHash") is None:
                return describe(self.pending_transaction, result)
            return describe(self.results[method], result)
        error = response["error"]
        found = describe(self.error_object, error)
        if found:
            return found
        data_schema = self.error_data[method].get(error["code"])
        if data_schema is None:
            return []
        if "data" not in error:
            return [f"error {error['code']} lacks the data the specification lists"]
        return describe(data_schema, error["data"])


def describe(validator, instance):
    """The schema errors of `instance`, each by its most relevant cause (the failing branch of a
    `oneOf`, not the whole object)."""
    lines = []
    for error in validator.iter_errors(instance):
        if ambiguous_empty_array(error):
            continue
        cause = best_match([error])
        where = "/".join(str(part) for part in cause.absolute_path) or "(top)"
        lines.append(f"{where}: {cause.message[:300]}")
    return lines


def ambiguous_empty_array(error):
    """The specification's `oneOf` of array schemas, failing only because `[]` fits them all."""
    return (
        error.validator == "oneOf"
        and error.instance == []
        and all(
            branch.get("type") == "array" or "$ref" in branch for branch in error.validator_value
        )
        and not error.context
    )


def read_record(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--require-all", action="store_true")
    arguments = parser.parse_args()

    spec = Specification(arguments.spec)
    valid, invalid, outside = Counter(), Counter(), Counter()
    for exchange in read_record(arguments.record):
        method = exchange["request"].get("method")
        if method not in spec.methods:
            outside[method] += 1
            continue
        found = spec.problems(method, exchange["response"])
        if not found:
            valid[method] += 1
            continue
        invalid[method] += 1
        if invalid[method] <= 3:
            params = json.dumps(exchange["request"].get("params"))[:200]
            print(f"INVALID {method} {params}")
            for line in found[:5]:
                print(f"    {line}")

    answered = set(valid) | set(invalid)
    unanswered = sorted(set(spec.methods) - answered)
    print(
        f"spec: {sum(valid.values())} answers valid, {sum(invalid.values())} invalid; "
        f"{len(answered)} of {len(spec.methods)} specified methods answered; "
        f"{sum(outside.values())} answers to {len(outside)} methods outside the specification"
    )
    for method in sorted(answered):
        print(f"    {method}: {valid[method]} valid, {invalid[method]} invalid")
    if unanswered:
        print(f"not answered in this run: {', '.join(unanswered)}")
    failed = bool(invalid) or (arguments.require_all and bool(unanswered))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
