/** provenant's version, recorded in stamps and printed by `--version`. */
export const VERSION = '0.1.0';
