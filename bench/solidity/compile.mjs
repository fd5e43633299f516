// Compiles ERC20.sol and Kernels.sol with the pinned solc (package.json) and writes
// out/NAME.json: { compiler, settings, bytecode (creation code), deployedBytecode, abi }.
// The output is committed so the benchmark needs no npm at run time; scripts/bench.sh reruns
// this and the benchmark fails if the committed output is stale.
// Run: cd bench/solidity && npm ci && node compile.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = path.dirname(fileURLToPath(import.meta.url));
const sources = ["ERC20.sol", "Kernels.sol"];
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};
const input = {
  language: "Solidity",
  sources: Object.fromEntries(
    sources.map((name) => [name, { content: fs.readFileSync(path.join(here, name), "utf8") }]),
  ),
  settings,
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);
fs.mkdirSync(path.join(here, "out"), { recursive: true });
for (const name of sources) {
  for (const [contract, out] of Object.entries(output.contracts[name])) {
    const file = path.join(here, "out", `${contract}.json`);
    const json = {
      compiler: `solc ${solc.version()}`,
      settings: { optimizer: settings.optimizer, evmVersion: settings.evmVersion },
      bytecode: out.evm.bytecode.object,
      deployedBytecode: out.evm.deployedBytecode.object,
      abi: out.abi,
    };
    fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), file)} (${out.evm.deployedBytecode.object.length / 2} bytes runtime)`);
  }
}
