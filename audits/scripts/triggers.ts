/**
 * The SCRIPT rules' prefilter for Python and TS/JS: something that runs a command, and something that
 * names a script. A file without both cannot hold a script call.
 */
export const SCRIPT_TRIGGERS = [
  'subprocess',
  'os.system',
  'popen',
  'spawn',
  'sys.executable',
  '"python',
  "'python",
  '"bash',
  "'bash",
  '"sh"',
  "'sh'",
  'accelerate',
  'torchrun',
  'deepspeed',
  'child_process',
  'execa',
];

/** Script names: Python and shell scripts, and TS/JS scripts run by node, tsx, ts-node, bun or deno. */
export const SCRIPT_REQUIRES = [
  '.py"', ".py'", '.py ', '.sh"', ".sh'", '.sh ', '"-m"', "'-m'", ' -m ',
  '.ts"', ".ts'", '.ts ', '.js"', ".js'", '.js ', '.mjs', '.cjs', '.mts', '.cts', '.py`', '.sh`', '.ts`', '.js`',
];

const SCRIPT_NAME = /["'`][^"'`\n]{0,200}?\.(?:py|sh|bash|[cm]?[jt]s)["'` ]|["']-m["']|\bpython[0-9.]* -m /g;
const RUNNER =
  /subprocess|os\.system|popen|spawn|sys\.executable|child_process|execa|exec(?:File)?(?:Sync)?\(|["'`](?:[^"'`\n]*\/)?(?:python[0-9.]*|bash|sh|accelerate|torchrun|deepspeed|node|npx|tsx|ts-node|bun|deno)["'` ]/;
/** How far before a script name the command that runs it may start (a multi-line argv list fits). */
const WINDOW = 300;

/**
 * True when a script name sits near something that runs commands. The Python front end only sees
 * script calls written that way (a literal argv or command string), so nothing it could find is lost.
 */
export function mayCallScript(text: string): boolean {
  SCRIPT_NAME.lastIndex = 0;
  for (let m = SCRIPT_NAME.exec(text); m; m = SCRIPT_NAME.exec(text)) {
    if (RUNNER.test(text.slice(Math.max(0, m.index - WINDOW), m.index + m[0].length + 60))) return true;
  }
  return false;
}
