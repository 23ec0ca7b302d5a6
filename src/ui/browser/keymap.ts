/**
 * The terminal browser's keymap: one table that both decides what a key press does and writes the `?`
 * help, so the two cannot drift apart. Keys follow lazygit, k9s and tig: `j/k` and arrows move, `g/G`
 * jump to the ends, `/` filters live, Enter drills in, Esc backs out, `?` helps, `q` and Ctrl-C quit.
 */
import { fit, type Line } from '../lines.js';

/** The parts of a key press the browser reads (a subset of ink's `Key`, so the reducer needs no ink). */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
}

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'open'
  | 'back'
  | 'filter'
  | 'status'
  | 'follow'
  | 'deprecate'
  | 'canonical'
  | 'bug'
  | 'editor'
  | 'artifacts'
  | 'help'
  | 'quit';

/** The list, one script's detail, the help, and the artifacts a script produced. */
export type View = 'list' | 'detail' | 'help' | 'artifacts';

const PANES: readonly View[] = ['detail', 'help', 'artifacts'];
const ALL: readonly View[] = ['list', ...PANES];
/** Where a key acts on a script: the selected one in the list, the shown one in its detail. */
const ON_SCRIPT: readonly View[] = ['list', 'detail'];

type Special = Exclude<keyof KeyPress, 'ctrl'>;

export interface Binding {
  command: Command;
  /** Printable keys (`j`), named keys (`downArrow`), or `ctrl+c`. */
  keys: readonly (string | { special: Special } | { ctrl: string })[];
  /** How the help writes the keys. */
  label: string;
  help: string;
  /** Where the binding works. */
  views: readonly View[];
}

export const KEYMAP: readonly Binding[] = [
  { command: 'down', keys: ['j', { special: 'downArrow' }], label: 'j ↓', help: 'next script / scroll down', views: ALL },
  { command: 'up', keys: ['k', { special: 'upArrow' }], label: 'k ↑', help: 'previous script / scroll up', views: ALL },
  { command: 'pageDown', keys: [{ special: 'pageDown' }, { ctrl: 'd' }], label: 'PgDn ^d', help: 'a page down', views: ALL },
  { command: 'pageUp', keys: [{ special: 'pageUp' }, { ctrl: 'u' }], label: 'PgUp ^u', help: 'a page up', views: ALL },
  { command: 'top', keys: ['g', { special: 'home' }], label: 'g Home', help: 'first script / top', views: ALL },
  { command: 'bottom', keys: ['G', { special: 'end' }], label: 'G End', help: 'last script / bottom', views: ALL },
  { command: 'filter', keys: ['/'], label: '/', help: 'filter by name, purpose and function names (live; Enter keeps it, Esc clears)', views: ['list'] },
  { command: 'status', keys: ['s'], label: 's', help: 'cycle the status filter: canonical, active, experimental, deprecated, all', views: ['list'] },
  { command: 'open', keys: [{ special: 'return' }, 'l'], label: 'Enter l', help: 'open the script: purpose, CLI, I/O, dependents, history, findings', views: ['list'] },
  { command: 'follow', keys: ['r'], label: 'r', help: 'jump to the replacement of a deprecated script', views: ['detail'] },
  { command: 'deprecate', keys: ['d'], label: 'd', help: 'deprecate the script: asks for its replacement (Tab completes) and the reason', views: ON_SCRIPT },
  { command: 'canonical', keys: ['c'], label: 'c', help: 'mark the script canonical: asks for the capability it is the one implementation of', views: ON_SCRIPT },
  { command: 'bug', keys: ['b'], label: 'b', help: 'record a known bug of the script: asks for what goes wrong and the fixing commit', views: ON_SCRIPT },
  { command: 'editor', keys: ['o'], label: 'o', help: 'open the script in $VISUAL or $EDITOR at its first finding (in the detail: the first on the screen)', views: ON_SCRIPT },
  { command: 'artifacts', keys: ['a'], label: 'a', help: 'the artifacts the script produced, with their verdicts today', views: ON_SCRIPT },
  { command: 'back', keys: [{ special: 'escape' }, 'h'], label: 'Esc h', help: 'back (clears the filter in the list)', views: ALL },
  { command: 'help', keys: ['?'], label: '?', help: 'this help', views: ALL },
  { command: 'quit', keys: ['q', { ctrl: 'c' }], label: 'q ^c', help: 'quit', views: ALL },
];

function matches(k: Binding['keys'][number], input: string, key: KeyPress): boolean {
  if (typeof k === 'string') return !key.ctrl && input === k;
  if ('special' in k) return key[k.special] === true;
  return key.ctrl === true && input === k.ctrl;
}

/** The command a key press means in a view, if any. */
export function commandFor(view: View, input: string, key: KeyPress): Command | undefined {
  return KEYMAP.find((b) => b.views.includes(view) && b.keys.some((k) => matches(k, input, key)))?.command;
}

/** The keys of the inline prompt (see prompt.ts), for the help. */
const PROMPT_KEYS: readonly (readonly [string, string])[] = [
  ['Enter', 'next question, then save'],
  ['Tab', 'complete a registered path (the replacement)'],
  ['^u', 'clear the answer'],
  ['Esc', 'cancel; nothing is written'],
];

/** The help screen: one line per binding, with where it works, cut to `width`. */
export function helpScreen(width: number): Line[] {
  const where = (b: Binding): string => (b.views.length >= 2 ? '' : ` (${b.views.join(', ')})`);
  const row = (label: string, help: string, note = ''): Line => fit([{ text: `  ${label.padEnd(9)}`, bold: true }, { text: ` ${help}` }, { text: note, dim: true }], width);
  return [
    fit([{ text: 'Keys', bold: true, color: 'blue' }, { text: '   j/k and PgUp/PgDn scroll this help; Esc or ? closes it', dim: true }], width),
    ...KEYMAP.map((b) => row(b.label, b.help, where(b))),
    [],
    [{ text: 'In a prompt (d, c, b)', bold: true, color: 'blue' }],
    ...PROMPT_KEYS.map(([label, help]) => row(label, help)),
    [],
    fit([{ text: 'Edits are written to the annotations file as `provenant registry deprecate|canonical|bug` write them.', dim: true }], width),
  ];
}

/** The short hints of the footer: the bindings of a view, label and first words. */
export function footerHints(view: View): string {
  const short: Partial<Record<Command, string>> = {
    help: 'help',
    quit: 'quit',
    filter: 'filter',
    status: 'status',
    open: 'open',
    follow: 'replacement',
    deprecate: 'deprecate',
    canonical: 'canonical',
    bug: 'bug',
    editor: 'edit',
    artifacts: 'artifacts',
    back: 'back',
  };
  // help and quit first: a narrow terminal cuts the end of the line, and the help lists the rest
  const order = Object.keys(short) as Command[];
  return KEYMAP.filter((b) => b.views.includes(view) && short[b.command])
    .sort((a, b) => order.indexOf(a.command) - order.indexOf(b.command))
    .map((b) => `${b.label.split(' ')[0]} ${short[b.command]}`)
    .join('  ');
}
