/**
 * Command-line options of TS/JS entry points: node:util `parseArgs({ options })` (help from the
 * file's usage text, where flags are listed as `  --name ARG   help`), commander
 * `.option('-x, --name <v>', 'help', default)` / `.requiredOption(…)`, and yargs
 * `.option('name', { type, default, describe, alias })`.
 */
import type { ts as T } from 'ts-morph';
import type { CallFact, CliArgFact, FileFacts, Literal, Span } from '../facts.js';
import { compiler } from './compiler.js';
import { literal, nameText, objectProperties, unwrap, type LiteralContext } from './literals.js';

export interface CliSources {
  parseArgsCalls: (T.CallExpression | T.NewExpression)[];
  /** Object literals bound to names, for `parseArgs({ options })` with `options` declared apart. */
  objects: Map<string, T.ObjectLiteralExpression>;
  /** Multi-line strings that mention `--`: usage texts. */
  helpTexts: string[];
}

interface CliContext extends LiteralContext {
  span(node: T.Node): Span;
}

const USAGE_LINE = /^\s+(?:-([A-Za-z0-9]),?\s+)?(--[A-Za-z0-9][\w-]*)(?:[ =]\S+)?(?:\s{2,}|\t+)(\S.*)$/;

/** `--flag` → its help, from usage texts; the first mention wins. */
function helpIndex(texts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = USAGE_LINE.exec(line);
      if (m?.[2] && m[3] && !out.has(m[2])) out.set(m[2], m[3].trim());
    }
  }
  return out;
}

function objectOf(expr: T.Expression | undefined, objects: Map<string, T.ObjectLiteralExpression>): T.ObjectLiteralExpression | null {
  const ts = compiler();
  if (!expr) return null;
  const n = unwrap(expr);
  if (ts.isObjectLiteralExpression(n)) return n;
  return ts.isIdentifier(n) ? (objects.get(n.text) ?? null) : null;
}

function str(l: Literal | undefined): string | null {
  return l?.kind === 'str' ? l.value : l?.kind === 'name' ? l.text : l?.kind === 'fstring' ? l.text : null;
}

function fromParseArgs(call: T.CallExpression | T.NewExpression, src: CliSources, help: Map<string, string>, ctx: CliContext): CliArgFact[] {
  const ts = compiler();
  const config = objectOf(call.arguments?.[0], src.objects);
  const options = config ? objectOf(objectProperties(config).props.get('options'), src.objects) : null;
  if (!options) return [];
  const out: CliArgFact[] = [];
  for (const p of options.properties) {
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) continue;
    const name = nameText(p.name);
    const spec = objectOf(ts.isPropertyAssignment(p) ? p.initializer : p.name, src.objects);
    if (name === null || !spec) continue;
    const props = objectProperties(spec).props;
    const value = (key: string): Literal | undefined => {
      const e = props.get(key);
      return e ? literal(e, ctx) : undefined;
    };
    const short = str(value('short'));
    const multiple = value('multiple');
    out.push({
      flags: short ? [`--${name}`, `-${short}`] : [`--${name}`],
      dest: name,
      type: str(value('type')),
      default: value('default') ?? null,
      help: help.get(`--${name}`) ?? null,
      required: null,
      action: multiple?.kind === 'bool' && multiple.value ? 'append' : null,
      choices: null,
      span: ctx.span(p),
    });
  }
  return out;
}

const camel = (flag: string): string => flag.replace(/^-+/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** commander: `.option('-m, --model <name>', 'help', default)`, optionally with a parser before the default. */
function fromCommander(call: CallFact, required: boolean): CliArgFact {
  const spec = str(call.args[0]) ?? '';
  const flags = spec.split(/[\s,|]+/).filter((w) => w.startsWith('-'));
  const long = flags.find((f) => f.startsWith('--')) ?? flags[0] ?? '';
  const parser = call.args[2]?.kind === 'name' ? call.args[2] : null;
  return {
    flags,
    dest: long ? camel(long.replace(/^--no-/, '--')) : null,
    type: parser ? parser.text : null,
    default: (parser ? call.args[3] : call.args[2]) ?? null,
    help: str(call.args[1]),
    required: required ? true : null,
    action: /[<[]/.test(spec) ? null : 'store_true',
    choices: null,
    span: call.span,
  };
}

/** yargs: `.option('model', { alias: 'm', type: 'string', describe: '…', default: … })`. */
function fromYargs(call: CallFact, name: string): CliArgFact {
  const kw = call.kwargs;
  const alias = kw.alias;
  const aliases = alias?.kind === 'str' ? [alias.value] : alias?.kind === 'list' ? alias.items.flatMap((i) => (i.kind === 'str' ? [i.value] : [])) : [];
  const required = kw.demandOption ?? kw.required;
  return {
    flags: [`--${name}`, ...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))],
    dest: name,
    type: str(kw.type),
    default: kw.default ?? null,
    help: str(kw.describe ?? kw.description ?? kw.desc),
    required: required?.kind === 'bool' ? required.value : null,
    action: null,
    choices: kw.choices ?? null,
    span: call.span,
  };
}

export function collectCliArgs(src: CliSources, facts: FileFacts, ctx: CliContext): CliArgFact[] {
  const help = helpIndex(src.helpTexts);
  const out = src.parseArgsCalls.flatMap((call) => fromParseArgs(call, src, help, ctx));
  for (const call of facts.calls) {
    const m = /(?:^|\.)(option|requiredOption)$/.exec(call.callee);
    const first = str(call.args[0]);
    if (!m || first === null || call.args[0]?.kind !== 'str') continue;
    if (first.startsWith('-')) out.push(fromCommander(call, m[1] === 'requiredOption'));
    else if (call.args[1]?.kind === 'dict') out.push(fromYargs(call, first));
  }
  // by where each ends: the calls of a chain (`program.option(…).option(…)`) all start at `program`
  return out.sort((a, b) => a.span.endLine - b.span.endLine || a.span.endCol - b.span.endCol);
}
