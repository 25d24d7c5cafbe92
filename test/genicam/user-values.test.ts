/** How error messages show what the user gave: quoted, clipped, and never a function's source text. */
import { strict as assert } from 'node:assert';
import { quoteInput } from '../../lib/errors';
import { describeUserValue } from '../../lib/genicam/numbers';

describe('genicam: user values in error messages', () => {
  const secret = function exposureFromTheFlow(): number {
    return 42; /* a long body the message must not carry */
  };

  it('a function value is named by its kind, not quoted as source text', () => {
    assert.equal(describeUserValue(secret), 'a function');
    assert.equal(quoteInput(secret), '<function>');
    assert.doesNotMatch(describeUserValue(secret) + quoteInput(secret), /long body/);
  });

  it('plain values read as they are, long strings are clipped', () => {
    assert.equal(describeUserValue(12.5), '12.5');
    assert.equal(describeUserValue(undefined), 'undefined');
    assert.equal(describeUserValue(Symbol('s')), 'a symbol');
    assert.equal(quoteInput({ a: 1 }), '{"a":1}');
    assert.match(quoteInput('x'.repeat(500)), /…" \(500 characters\)$/);
  });
});
