/**
 * `provenant audit` on its own, the pre-commit path. The build bundles this module and everything it reaches
 * into `dist/audit.cjs` (one CommonJS file, packages left outside), which `fast-start.ts` loads with V8's code
 * cache: no module graph to resolve and no source to compile on a warm start.
 */

import { run } from './commands/audit.js';
import { boundary, processIo } from './boundary.js';

export async function runAudit(args: string[]): Promise<void> {
  const io = processIo();
  process.exitCode = await boundary(io, () => run(args, io));
}
