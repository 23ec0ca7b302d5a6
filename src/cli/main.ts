/**
 * The CLI entry point: maps argv to a command and turns its outcome or error into the exit code. Usage and
 * config errors exit 2, anything else is an internal error and exits 3; commands load on first use.
 * `provenant audit` starts from its own bundle instead (`audit-entry.ts`, `fast-start.ts`).
 */

import { UserError } from '../core/errors.js';
import { boundary, processIo } from './boundary.js';
import type { Io } from './io.js';

const COMMANDS: Record<string, () => Promise<{ run(args: string[], io: Io): Promise<number>; HELP: string }>> = {
  audit: () => import('./commands/audit.js'),
  rules: () => import('./commands/rules.js'),
  explain: () => import('./commands/explain.js'),
  init: () => import('./commands/init.js'),
  hook: () => import('./commands/hook.js'),
  registry: () => import('./commands/registry.js'),
  run: () => import('./commands/run.js'),
  verify: () => import('./commands/verify.js'),
  keys: () => import('./commands/keys.js'),
  pipeline: () => import('./commands/pipeline.js'),
  gate: () => import('./commands/gate.js'),
  lineage: () => import('./commands/lineage.js'),
  log: () => import('./commands/log.js'),
  investigate: () => import('./commands/investigate.js'),
  ledger: () => import('./commands/ledger.js'),
  tui: () => import('./commands/tui.js'),
  model: () => import('./commands/model.js'),
  generate: () => import('./commands/generate.js'),
  server: () => import('./commands/server.js'),
};

const USAGE = `provenant — keeps LLM post-training research honest

Usage: provenant <command> [options]

Commands:
  audit [PATHS…]   find chat-template contamination, bypassed loaders, deprecated and missing script calls
  rules            list the rule catalog
  explain CODE     show a rule's documentation
  init             infer the sanctioned loader and models and write them into the config
  hook install|uninstall|status   a plain git pre-commit hook that runs \`provenant audit --staged\`
  registry sync|check|search|show|import|deprecate|canonical|bug|similar
                   the implementation registry: every script's purpose, CLI, dependents and status
  run [--out P]… [--in P]… -- CMD   run a command and stamp its outputs with their provenance
  verify PATH…     a verdict per artifact: unstamped, tampered, quarantined, stale, failed-qc, upstream-bad, ok
  keys init        a signing key pair for stamps (private outside the repo, public committed)
  pipeline plan|run  the stage graph: what is up to date, pre-flight problems, cost; run it, stamped
  gate             for CI before a GPU session: audit, registry check and pipeline pre-flight must all pass
  lineage PATH     the tree of an artifact's inputs (--down: its consumers) from the stamps; --format mermaid
  log PATH         every stamp of an artifact, newest first, and the stamp's git history
  investigate PATH where an unstamped legacy file came from: evidence, a verdict, --record a legacy stamp
  ledger rebuild   restore the ledger (.provenant/ledger.db) from the sidecar stamps
  tui              browse the registry in the terminal (a plain table when stdout is not a terminal)
  model inspect|sentinel M.gguf   a GGUF model's metadata; proof that the clean completion path is clean
  generate         few-shot completion data from a local base model (critic, best-of pairs), stamped
  server --stdio   the audit and the registry in the editor (Language Server Protocol)

Run \`provenant <command> --help\` for a command's options.
`;

/** Maps argv to a command; `boundary` turns its outcome or error into the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  return boundary(io, async () => {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(USAGE);
      return command ? 0 : 2;
    }
    if (command === '--version' || command === '-V') {
      io.stdout.write(`provenant ${(await import('../version.js')).VERSION}\n`);
      return 0;
    }
    const load = COMMANDS[command];
    if (!load) throw new UserError(`unknown command \`${command}\``, { hint: `commands: ${Object.keys(COMMANDS).join(', ')}` });
    return (await load()).run(rest, io);
  });
}

/** What bin/provenant.js runs. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo());
}
