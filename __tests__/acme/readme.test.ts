import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('modules/acme/README.md', () => {
  it('shows the usage example that readme-example.ts compiles and the binding tests synthesize', () => {
    const readme = readFileSync(join(__dirname, '../../modules/acme/README.md'), 'utf8');
    const example = readFileSync(join(__dirname, 'readme-example.ts'), 'utf8').split('// README example: from here to the end of the file.\n')[1];
    const shown = readme.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(shown).toBe(example);
  });
});
