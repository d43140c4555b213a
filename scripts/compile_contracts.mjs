// Compile Solidity with the pinned npm `solc` JS API (its CLI prints a banner before the JSON).
// Reads a standard-JSON input on stdin; imports resolve from node_modules and are inlined into
// the returned input, so the caller can hash exactly what was compiled.
// Prints {"version": ..., "input": <complete standard JSON input>, "output": <solc output>}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const nodeModules = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "node_modules");

const input = JSON.parse(readFileSync(0, "utf8"));
const imported = {};

function findImports(importPath) {
  if (!importPath.startsWith("@openzeppelin/")) {
    return { error: `unsupported import ${importPath}` };
  }
  const resolved = path.join(nodeModules, importPath);
  if (!resolved.startsWith(nodeModules + path.sep)) {
    return { error: `import escapes node_modules: ${importPath}` };
  }
  try {
    const contents = readFileSync(resolved, "utf8");
    imported[importPath] = { content: contents };
    return { contents };
  } catch (err) {
    return { error: `cannot read ${importPath}: ${err.message}` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const complete = { ...input, sources: { ...input.sources, ...imported } };
process.stdout.write(JSON.stringify({ version: solc.version(), input: complete, output }));
