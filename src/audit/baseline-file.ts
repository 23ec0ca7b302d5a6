/** Where `--write-baseline` records findings by default, relative to the project root (committed). */
export const BASELINE_FILE = '.provenant-baseline.json';
