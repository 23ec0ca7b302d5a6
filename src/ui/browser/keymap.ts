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
  | 'help'
  | 'quit';

export type View = 'list' | 'detail' | 'help';

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
  { command: 'down', keys: ['j', { special: 'downArrow' }], label: 'j ↓', help: 'next script / scroll down', views: ['list', 'detail'] },
  { command: 'up', keys: ['k', { special: 'upArrow' }], label: 'k ↑', help: 'previous script / scroll up', views: ['list', 'detail'] },
  { command: 'pageDown', keys: [{ special: 'pageDown' }, { ctrl: 'd' }], label: 'PgDn ^d', help: 'a page down', views: ['list', 'detail'] },
  { command: 'pageUp', keys: [{ special: 'pageUp' }, { ctrl: 'u' }], label: 'PgUp ^u', help: 'a page up', views: ['list', 'detail'] },
  { command: 'top', keys: ['g', { special: 'home' }], label: 'g Home', help: 'first script / top', views: ['list', 'detail'] },
  { command: 'bottom', keys: ['G', { special: 'end' }], label: 'G End', help: 'last script / bottom', views: ['list', 'detail'] },
  { command: 'filter', keys: ['/'], label: '/', help: 'filter by name, purpose and function names (live; Enter keeps it, Esc clears)', views: ['list'] },
  { command: 'status', keys: ['s'], label: 's', help: 'cycle the status filter: canonical, active, experimental, deprecated, all', views: ['list'] },
  { command: 'open', keys: [{ special: 'return' }, 'l'], label: 'Enter l', help: 'open the script: purpose, CLI, I/O, dependents, history, findings', views: ['list'] },
  { command: 'follow', keys: ['r'], label: 'r', help: 'jump to the replacement of a deprecated script', views: ['detail'] },
  { command: 'back', keys: [{ special: 'escape' }, 'h'], label: 'Esc h', help: 'back (clears the filter in the list)', views: ['list', 'detail', 'help'] },
  { command: 'help', keys: ['?'], label: '?', help: 'this help', views: ['list', 'detail', 'help'] },
  { command: 'quit', keys: ['q', { ctrl: 'c' }], label: 'q ^c', help: 'quit', views: ['list', 'detail', 'help'] },
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

/** The help screen: one line per binding, with where it works, cut to `width`. */
export function helpScreen(width: number): Line[] {
  const where = (b: Binding): string => (b.views.length >= 2 ? '' : ` (${b.views.join(', ')})`);
  return [
    [{ text: 'Keys', bold: true, color: 'blue' }],
    ...KEYMAP.map((b): Line => fit([{ text: `  ${b.label.padEnd(9)}`, bold: true }, { text: ` ${b.help}` }, { text: where(b), dim: true }], width)),
    [],
    [{ text: 'Esc or ? closes this help.', dim: true }],
  ];
}

/** The short hints of the footer: the bindings of a view, label and first words. */
export function footerHints(view: View): string {
  const short: Partial<Record<Command, string>> = { filter: 'filter', status: 'status', open: 'open', follow: 'replacement', back: 'back', help: 'help', quit: 'quit' };
  return KEYMAP.filter((b) => b.views.includes(view) && short[b.command])
    .map((b) => `${b.label.split(' ')[0]} ${short[b.command]}`)
    .join('  ');
}
