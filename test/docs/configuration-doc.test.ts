/** docs/configuration.md shows the defaults as the code has them: the first JSON block is defaultConfig. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/pipeline/index.js';

describe('docs/configuration.md', () => {
  it('lists the defaults exactly as defaultConfig has them', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(text);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1]!)).toEqual(JSON.parse(JSON.stringify(defaultConfig)));
  });
});
