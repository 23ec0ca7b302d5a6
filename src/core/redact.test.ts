import { describe, expect, it } from 'vitest';
import { redactShapes, scrub, urlPassword } from './redact.js';

describe('scrub: a database URL password out of messages', () => {
  it('hides a URL password and keeps the rest of the URL', () => {
    expect(redactShapes('postgresql://lab:s3cret@db:5432/ledger')).toBe('postgresql://lab:[REDACTED]@db:5432/ledger');
    expect(redactShapes('postgresql://lab@db/ledger')).toBe('postgresql://lab@db/ledger');
  });

  it('removes given secrets from any text, as written and decoded', () => {
    expect(urlPassword('postgresql://u:p%40ss@h/x')).toBe('p%40ss');
    expect(urlPassword('postgresql://u@h/x')).toBeNull();
    expect(scrub('auth failed for p@ss and p%40ss', ['p%40ss'])).toBe('auth failed for [REDACTED] and [REDACTED]');
  });
});
