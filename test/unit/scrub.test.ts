import { describe, expect, it } from 'vitest';
import { scrubIssues, scrubText } from '../../src/scrub.js';

describe('scrubbing payload values out of messages, one after another', () => {
  it('redacts each payload in its own message, whatever was scrubbed before', () => {
    // The fragment filter is shared by the process: every call must see only its own payload's values.
    for (let i = 0; i < 50; i++) {
      const secret = `card-4111111111111${String(i).padStart(3, '0')}`;
      const other = `holder-Jane Q Public ${i}`;
      const text = `bad value "${secret.slice(0, 12)}" near "${other.slice(2, 14)}" in field number`;
      const out = scrubText(text, { card: secret, name: other });
      expect(out).not.toContain(secret.slice(0, 12));
      expect(out).not.toContain(other.slice(2, 14));
      expect(out).toContain('in field number');
      // A message with nothing of this payload is left as it is.
      expect(scrubText('Expected a positive number, got a negative one', { card: secret })).toBe(
        'Expected a positive number, got a negative one',
      );
    }
  });

  it('leaves messages alone when no value is long enough to hold a fragment', () => {
    const issues = [{ message: 'Too small: expected number to be >0', path: ['amountCents'] }];
    expect(scrubIssues(issues, { amountCents: -1, currency: 'EUR' })).toEqual(issues);
  });
});
