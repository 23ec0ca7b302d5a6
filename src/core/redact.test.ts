import { describe, expect, it } from 'vitest';
import { redactUrl, scrub, urlPassword } from './redact.js';

describe('redact', () => {
  it('hides a URL password and keeps the rest of the URL', () => {
    expect(redactUrl('postgresql://lab:s3cret@db:5432/ledger')).toBe('postgresql://lab:***@db:5432/ledger');
    expect(redactUrl('see postgres://u:p%40ss@h/x and https://h/y')).toBe('see postgres://u:***@h/x and https://h/y');
    expect(redactUrl('postgresql://lab@db/ledger')).toBe('postgresql://lab@db/ledger');
    expect(redactUrl('no url here')).toBe('no url here');
  });

  it('removes given secrets from any text, as written and decoded', () => {
    expect(urlPassword('postgresql://u:p%40ss@h/x')).toBe('p%40ss');
    expect(urlPassword('postgresql://u@h/x')).toBeNull();
    expect(scrub('auth failed for p@ss and p%40ss', ['p%40ss'])).toBe('auth failed for *** and ***');
  });
});
