/**
 * Joins a notebook's code cells into one Python module, line for line, so a name imported in cell 1
 * resolves in cell 9. IPython syntax is not Python: magics become `pass` (an assignment from `!cmd` keeps
 * its target, bound to `None`), and the shell they run (`!cmd`, `%%bash` bodies, `%system`) is copied
 * into a shell text of the same lines and columns for the launcher front end.
 */

import type { NotebookCell } from './read.js';

export interface JoinedNotebook {
  /** The code cells as one Python module. */
  python: string;
  /** The code cells joined as written (magics and all): what code frames and suppressions read. */
  display: string;
  /** The shell commands of the notebook at the same lines and columns as in `python`; other lines empty. */
  shell: string;
  /**
   * Each shell command (a `!` line with the lines it continues on, a `%%bash` cell's body) as a range of
   * lines (0-based, inclusive): each runs in a shell of its own, so a `cd` in one does not last.
   */
  commands: { first: number; last: number }[];
  /** `%cd` lines (0-based) as the `cd` command they are, which does last: later commands start there. */
  cds: { at: number; command: string }[];
  /** Per line of `python` (index = line − 1): the cell's index, the line within the cell, the JSON line. */
  cells: number[];
  cellLines: number[];
  jsonLines: number[];
}

/** Cell magics whose body is Python run under a measurement or capture. */
const PYTHON_BODY = new Set(['time', 'timeit', 'capture', 'prun']);
/** Cell magics whose body is a shell script. */
const SHELL_BODY = new Set(['bash', 'sh', 'script', 'system', '!']);

/** `x = !ls`, `files = %sx ls` */
const ASSIGNED = /^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)(\s*=\s*)([!%])(.*)$/;
/** `!cmd`, `!!cmd` */
const BANG = /^(\s*)(!!?)(.*)$/;
/** `%magic args`, `%%magic` */
const MAGIC = /^(\s*)(%%?)([\w!]*)(.*)$/;

/**
 * IPython's line magics, with the shell aliases it defines as magics. Automagic (on by default) runs a line
 * that starts with one of these names as that magic, without its `%`.
 */
const LINE_MAGICS = new Set(
  ('pip conda mamba micromamba cd pwd env set_env time timeit load_ext reload_ext unload_ext matplotlib pylab run who whos ' +
    'who_ls history hist reset reset_selective store config load save ls ll lf lk lx ldir cat cp mv rm mkdir rmdir clear less ' +
    'more man sx system sc bookmark dhist dirs pushd popd alias unalias xmode precision pdb debug tb prun pinfo pinfo2 psearch ' +
    'psource pdef pdoc pfile page gui autosave automagic autocall autoawait colors doctest_mode logstart logstop logon logoff ' +
    'logstate lsmagic magic quickref rehashx rerun recall rep macro edit ed killbgscripts xdel').split(' '),
);
/** `pip install x`: a name, then nothing or arguments (not an assignment such as `time = 3` or `ls, x = …`). */
const AUTOMAGIC = /^(\s*)([A-Za-z_]\w*)((?:\s+(?![=,])\S.*)?\s*)$/;

/**
 * The line of a cell IPython runs as a magic written without `%`, or -1. IPython applies automagic only to a
 * cell of one line once its leading blank lines are dropped: in a longer cell `pip install x` is a syntax error.
 */
function automagicLine(lines: readonly string[]): number {
  const at = lines.findIndex((l) => l.trim() !== '');
  if (at === -1 || at !== lines.length - 1) return -1;
  const m = AUTOMAGIC.exec(lines[at] ?? '');
  return m && LINE_MAGICS.has(m[2] ?? '') ? at : -1;
}

export function joinCells(cells: readonly NotebookCell[]): JoinedNotebook {
  const python: string[] = [];
  const display: string[] = [];
  const shell: string[] = [];
  const out = { cells: [] as number[], cellLines: [] as number[], jsonLines: [] as number[] };
  const commands: JoinedNotebook['commands'] = [];
  const cds: JoinedNotebook['cds'] = [];
  // the command being read, extended while its lines continue it
  let open: { first: number; last: number } | null = null;
  const command = (at: number): void => {
    if (open && open.last === at - 1) open.last = at;
    else commands.push((open = { first: at, last: at }));
  };
  for (const cell of cells) {
    const lines = cell.text ? cell.text.slice(0, -1).split('\n') : [];
    const first = MAGIC.exec(lines[0] ?? '');
    const cellMagic = first && first[2] === '%%' ? (first[3] ?? '') : null;
    const automagic = cellMagic === null ? automagicLine(lines) : -1;
    // a `!cmd \` or `%magic \` line goes on, as in a shell, on the lines after it
    let continued: 'shell' | 'magic' | false = false;
    open = null;
    lines.forEach((line, i) => {
      const at = python.length;
      out.cells.push(cell.index);
      out.cellLines.push(i + 1);
      out.jsonLines.push(cell.jsonLines[i] ?? cell.jsonLines[cell.jsonLines.length - 1] ?? 1);
      display.push(line);
      if (cellMagic !== null && (i === 0 || !PYTHON_BODY.has(cellMagic))) {
        python.push('');
        // `%%script bash` names its interpreter; `%%writefile`, `%%html` and the like hold no code of this module
        const scriptShell = cellMagic === 'script' ? /^\s*(?:ba|z)?sh\b/.test(first?.[4] ?? '') : true;
        const body = i > 0 && SHELL_BODY.has(cellMagic) && scriptShell;
        // `%%writefile x.py` makes a file a later `!python x.py` runs: said to the shell as a redirection
        const written = i === 0 && cellMagic === 'writefile' ? writtenFile(first?.[4] ?? '') : null;
        shell.push(body ? line : written !== null ? `: > ${written}` : '');
        // the whole body is one script
        if (body || written !== null) command(at);
        return;
      }
      if (continued) {
        python.push('');
        shell.push(continued === 'shell' ? line : '');
        if (continued === 'shell') command(at);
        if (!/\\\s*$/.test(line)) continued = false;
        return;
      }
      // `pip install x` alone in its cell is `%pip install x`
      const read = i === automagic ? line.replace(/^(\s*)/, '$1%') : line;
      const converted = convertLine(read);
      python.push(converted.python);
      // the shell command's columns are the line's as written, without the `%` put in front of it
      shell.push(read === line ? converted.shell : converted.shell.slice(1));
      open = null;
      if (converted.shell) command(at);
      const cd = converted.python !== line ? cdCommand(read) : null;
      if (cd !== null) cds.push({ at, command: cd });
      continued = converted.python !== line && /\\\s*$/.test(line) ? (converted.shell ? 'shell' : 'magic') : false;
    });
  }
  const text = (lines: string[]): string => (lines.length ? lines.join('\n') + '\n' : '');
  return { python: text(python), display: text(display), shell: text(shell), commands, cds, ...out };
}

/** The file of `%%writefile [-a] FILE` as written (the shell reads its quotes), or null. */
function writtenFile(args: string): string | null {
  const file = args.trim().replace(/^(?:-a|--append)\s+/, '');
  return file && !file.startsWith('-') ? file : null;
}

/**
 * `%cd DIR` (`-q` quiet) as the shell's `cd DIR`; `%cd` alone (home), `%cd -` and bookmarks (`-b`) go
 * where the analysis cannot follow, as `cd -` does. Null for any other line.
 */
function cdCommand(line: string): string | null {
  const m = /^\s*%cd\b(.*)$/.exec(line);
  if (!m) return null;
  const args = (m[1] ?? '').trim().replace(/^-q\s+/, '');
  return args === '' || args.startsWith('-') ? 'cd -' : `cd ${args}`;
}

/** One line of a Python cell: itself, or for IPython syntax a `pass` and the shell command it runs. */
export function convertLine(line: string): { python: string; shell: string } {
  const assigned = ASSIGNED.exec(line);
  if (assigned && !/^\s*!=/.test(assigned[4] + (assigned[5] ?? ''))) {
    const [, indent = '', target = '', eq = '', sigil = '', rest = ''] = assigned;
    const prefix = indent + target + eq;
    const command = sigil === '!' ? rest : shellOfMagic(rest);
    return { python: `${prefix}None`, shell: command === null ? '' : ' '.repeat(prefix.length + 1) + command.padStart(rest.length) };
  }
  const bang = BANG.exec(line);
  if (bang && !(bang[3] ?? '').startsWith('=')) {
    const [, indent = '', sigil = '', rest = ''] = bang;
    return { python: `${indent}pass`, shell: ' '.repeat(indent.length + sigil.length) + rest };
  }
  const magic = MAGIC.exec(line);
  if (magic && magic[2] === '%') {
    const [, indent = '', , name = '', rest = ''] = magic;
    const command = shellOfMagic(name + rest);
    return { python: `${indent}pass`, shell: command === null ? '' : ' '.repeat(line.length - command.length) + command };
  }
  return { python: line, shell: '' };
}

/** The shell command of `system cmd` / `sx cmd` (a magic without its `%`), else null. */
function shellOfMagic(text: string): string | null {
  const m = /^(?:system|sx)\b\s*(.*)$/.exec(text);
  return m ? (m[1] ?? '') : null;
}
