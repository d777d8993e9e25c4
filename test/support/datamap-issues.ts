// The issues a data map is refused with (the test fails if it is accepted).
import assert from 'node:assert/strict';
import { DataMapError, parseDataMap } from '../../schemas/datamap';

export function issuesOf(text: string, env: Record<string, string>): DataMapError['issues'] {
  try {
    parseDataMap(text, env);
  } catch (err) {
    assert.ok(err instanceof DataMapError, String(err));
    return err.issues;
  }
  assert.fail('expected the data map to be refused');
}
