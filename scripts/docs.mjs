// `npm run docs`: writes docs/reference.md, the command reference, from the command definitions (src/reference.ts,
// built into dist/ by `npm run build`). test/cli/reference.test.ts fails when the committed file differs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { renderReference } = await import('../dist/reference.js');
const target = path.join(root, 'docs', 'reference.md');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, renderReference());
console.log(`wrote ${path.relative(root, target)}`);
