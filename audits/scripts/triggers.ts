/** What a file must mention to possibly run another script (shared by the SCRIPT rules). */
export const SCRIPT_TRIGGERS = [
  'subprocess',
  'os.system',
  'popen',
  '.py"',
  ".py'",
  '.py ',
  '.py\n',
  '.sh"',
  ".sh'",
  '.sh ',
  '.sh\n',
  'python -m',
  'python3 -m',
];
