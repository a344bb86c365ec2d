// The page renders reason texts by the same rules as Go's catalog.Text:
// both pass catalog/testdata/text.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { render, text, has } from '../src/catalog.js';

test('reason texts render as in Go', () => {
  const cases = JSON.parse(readFileSync(new URL('../../catalog/testdata/text.json', import.meta.url), 'utf8'));
  for (const c of cases) assert.equal(render(c.lang, c.text, c.params), c.want, `${c.lang} ${c.text} ${JSON.stringify(c.params)}`);
  assert.ok(has('de', 'login_failed') && has('en', 'login_failed'));
  assert.equal(text('en', 'no_such_reason'), text('en', 'internal'));
  assert.equal(text('en', 'rate_limited_wait', { seconds: 8 }), 'Too many attempts. Please wait 8 seconds, then try again.');
});
