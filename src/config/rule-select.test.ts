import { describe, expect, it } from 'vitest';

import { normalizeConfig } from '../schemas/config-normalize.js';
import { isRuleEnabled, ruleMatches, severityFor } from './rule-select.js';

describe('rule selection', () => {
  it('ruleMatches: ALL, exact codes and prefixes that end on a category or digit boundary', () => {
    expect(ruleMatches('LOAD001', ['ALL'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD001'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD00'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD01'])).toBe(false);
    expect(ruleMatches('LOAD001', ['LOA'])).toBe(false);
    expect(ruleMatches('LOAD001', ['TMPL', 'LOAD002'])).toBe(false);
    expect(ruleMatches('LOAD001', [])).toBe(false);
  });

  it('isRuleEnabled applies select, then ignore', () => {
    const config = { select: ['LOAD', 'TMPL001'], ignore: ['LOAD002'] };
    expect(isRuleEnabled(config, 'LOAD001')).toBe(true);
    expect(isRuleEnabled(config, 'LOAD002')).toBe(false);
    expect(isRuleEnabled(config, 'TMPL001')).toBe(true);
    expect(isRuleEnabled(config, 'TMPL002')).toBe(false);
    expect(isRuleEnabled(normalizeConfig({}), 'ANY999')).toBe(true);
  });

  it('severityFor: the most specific override wins, else the fallback', () => {
    const config = { severity: { ALL: 'info', LOAD: 'warning', LOAD002: 'error' } as const };
    expect(severityFor(config, 'LOAD002', 'warning')).toBe('error');
    expect(severityFor(config, 'LOAD001', 'error')).toBe('warning');
    expect(severityFor(config, 'TMPL001', 'error')).toBe('info');
    expect(severityFor({ severity: {} }, 'TMPL001', 'error')).toBe('error');
  });
});
