#!/usr/bin/env node
// `provenant audit` runs in pre-commit hooks, so it starts from its own bundle (dist/bundle/fast-start.cjs),
// required without Node's ES module loader (bin/package.json makes this file CommonJS); every other command
// loads its modules on first use. Errors inside a command become exit codes in the CLI itself; what reaches
// `fail` is a broken install (a missing or damaged dist/).
'use strict';

const args = process.argv.slice(2);

// package.json's `engines` is only a warning at install time; an older Node would fail later on syntax or
// on a missing API with a stack trace, so say which Node this is and what is needed
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `provenant: error: needs Node 20.19 or newer; this is Node ${process.versions.node} (${process.execPath})\n` +
      '  hint: install a current Node (https://nodejs.org), or select one with nvm/fnm/volta, then run provenant again\n',
  );
  process.exit(2);
}

function fail(error) {
  process.stderr.write(
    `provenant: internal error: cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
      '  hint: the installed package is incomplete; reinstall provenant (in a clone of its repository: npm run build)\n',
  );
  process.exitCode = 3;
}

if (args[0] === 'audit') {
  try {
    require('../dist/bundle/fast-start.cjs')
      .startAudit(args.slice(1))
      .catch(fail);
  } catch (error) {
    fail(error);
  }
} else {
  import('../dist/src/cli/main.js').then((cli) => cli.runCli()).catch(fail);
}
