/**
 * The two error kinds the CLI boundary knows. Everything else that reaches `cli/main.ts` is a bug too.
 * - UserError: bad input (config, arguments, files); exit 2, printed with its hint, no stack.
 * - BugError: an internal invariant broke; exit 3, printed with the stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

export class BugError extends Error {
  override readonly name = 'BugError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
