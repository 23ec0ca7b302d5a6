#!/usr/bin/env node
// `provenant audit` runs in pre-commit hooks, so it starts from its own bundle (dist/src/cli/fast-start.js);
// every other command loads its modules on first use.
const args = process.argv.slice(2);
if (args[0] === 'audit') import('../dist/src/cli/fast-start.js').then((start) => start.startAudit(args.slice(1)));
else import('../dist/src/cli/main.js').then((cli) => cli.runCli());
