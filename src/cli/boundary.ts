/**
 * The single error boundary of the CLI: a command's outcome or error becomes an exit code here and nowhere
 * else. Usage and config errors (UserError) exit 2, anything else is a bug in provenant and exits 3.
 */

import { BugError, UserError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { Io } from './io.js';

export async function boundary(io: Io, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof UserError) {
      // messages quote argv and file contents: no secret leaves through them either
      io.stderr.write(redactText(`provenant: error: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`));
      return 2;
    }
    const bug = error instanceof BugError ? error : new BugError('unexpected internal error', { cause: error });
    const cause = bug.cause instanceof Error ? `\ncaused by: ${bug.cause.stack ?? bug.cause.message}` : '';
    io.stderr.write(redactText(`provenant: internal error (a bug in provenant): ${bug.message}\n${bug.stack ?? ''}${cause}\n`));
    return 3;
  }
}

/** The process's own streams and environment. */
export function processIo(): Io {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
}
