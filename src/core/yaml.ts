/**
 * YAML documents turned into plain values with a bound on alias expansion: a few lines of anchors and
 * aliases can expand into billions of nodes (the "billion laughs"), which is the file's problem, not a bug.
 */
import type { Document } from 'yaml';

import { UserError } from './errors.js';

/** More alias expansions than any hand-written file needs. */
const MAX_ALIAS_COUNT = 100;

export function boundedToJs(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // the yaml package signals an alias bomb with a ReferenceError of its own wording
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new UserError(`${file}: its aliases (*name) expand too far (more than ${MAX_ALIAS_COUNT} expansions): ${error.message}`, {
        hint: 'write the repeated values out, or use fewer nested aliases',
        cause: error,
      });
    }
    throw error;
  }
}
