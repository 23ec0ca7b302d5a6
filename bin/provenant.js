#!/usr/bin/env node
// `provenant audit` runs in pre-commit hooks, so it starts from its own bundle (dist/src/cli/fast-start.js);
// every other command loads its modules on first use. Errors inside a command are turned into exit codes by
// the CLI itself; what reaches the catch below is a broken install (a missing or damaged dist/).
const args = process.argv.slice(2);
const start =
  args[0] === 'audit'
    ? import('../dist/src/cli/fast-start.js').then((fast) => fast.startAudit(args.slice(1)))
    : import('../dist/src/cli/main.js').then((cli) => cli.runCli());
start.catch((error) => {
  process.stderr.write(
    `provenant: internal error: cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
      '  hint: the installed package is incomplete; reinstall provenant (in a clone of its repository: npm run build)\n',
  );
  process.exitCode = 3;
});
