/**
 * A script's command line from its facts: argparse `add_argument` calls (the front end's `cliArgs`),
 * else click's `@click.option`/`@click.argument` decorators, else typer's `typer.Option`/`typer.Argument`.
 */
import type { CallFact, FileFacts, Literal } from '../analysis/facts.js';
import type { CliArgument, CommandLine } from '../schemas/registry.js';

/** A literal as a reader would have written it in Python. */
export function writtenAs(value: Literal | null | undefined, calls: readonly CallFact[]): string | null {
  if (!value) return null;
  switch (value.kind) {
    case 'str':
      return JSON.stringify(value.value);
    case 'fstring':
      return `f${JSON.stringify(value.text)}`;
    case 'num':
      return String(value.value);
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${value.items.map((item) => writtenAs(item, calls) ?? '…').join(', ')}]`;
    case 'dict':
      return value.keys.length ? `{${value.keys.map((k) => `${JSON.stringify(k)}: …`).join(', ')}}` : '{}';
    case 'name':
      return value.text;
    case 'call':
      return `${calls[value.call]?.callee ?? '…'}()`;
    case 'expr':
      return value.text;
  }
}

function text(value: Literal | undefined): string | null {
  if (!value) return null;
  if (value.kind === 'str') return value.value;
  if (value.kind === 'name') return value.text;
  if (value.kind === 'fstring') return value.text;
  return null;
}

function argparse(facts: FileFacts): CliArgument[] {
  return facts.cliArgs.map((arg) => {
    const positional = !arg.flags.some((f) => f.startsWith('-'));
    const flagAction = arg.action === 'store_true' || arg.action === 'store_false';
    return {
      flags: arg.flags,
      dest: arg.dest,
      type: arg.type ?? (flagAction ? 'bool' : null),
      default: writtenAs(arg.default, facts.calls),
      help: arg.help,
      required: arg.required ?? positional,
    };
  });
}

const CLICK = new Set(['click.option', 'click.argument']);
const TYPER = new Set(['typer.Option', 'typer.Argument']);

/** One click or typer parameter. typer's first positional is the default, click's strings are names. */
function decorated(call: CallFact, facts: FileFacts, framework: 'click' | 'typer'): CliArgument {
  const strings = call.args.filter((a): a is Extract<Literal, { kind: 'str' }> => a.kind === 'str').map((a) => a.value);
  const flags = strings.filter((s) => s.startsWith('-'));
  const isArgument = call.qname.endsWith('argument') || call.qname.endsWith('Argument');
  const names = framework === 'click' ? strings.filter((s) => !s.startsWith('-')) : [];
  const dflt = framework === 'typer' && call.args[0] && !(call.args[0].kind === 'str' && call.args[0].value.startsWith('-'))
    ? call.args[0]
    : call.kwargs.default;
  const required = call.kwargs.required;
  // typer names an option after the parameter it is the default of: `model_name` → `--model-name`
  const param = framework === 'typer' ? call.param : undefined;
  const fromParam = param ? [isArgument ? param : `--${param.replace(/_/g, '-')}`] : [];
  return {
    flags: flags.length ? flags : names.length ? names : fromParam,
    dest: names[0] ?? param ?? null,
    type: text(call.kwargs.type),
    // `...` (Ellipsis) is typer's "no default: required"
    default: dflt && (dflt.kind === 'name' || dflt.kind === 'expr') && dflt.text === '...' ? null : writtenAs(dflt, facts.calls),
    help: text(call.kwargs.help),
    required: required?.kind === 'bool' ? required.value : isArgument,
  };
}

export function commandLineOf(facts: FileFacts): CommandLine | null {
  if (facts.cliArgs.length) return { framework: 'argparse', args: argparse(facts) };
  for (const [framework, names] of [['click', CLICK], ['typer', TYPER]] as const) {
    const calls = facts.calls.filter((c) => c.resolved && names.has(c.qname));
    if (calls.length) {
      // decorators are written bottom-up but read top-down: source order is the reader's order
      return { framework, args: calls.map((c) => decorated(c, facts, framework)) };
    }
  }
  return null;
}
