// `npm run build`: bundles the program into dist/ with esbuild. One file per entry point (the CLI, and the worker
// threads that read large CSV and xlsx files) plus the chunks they load lazily, instead of the hundreds of modules Node would
// otherwise resolve and read at every start; this halves the start-up time of every command. Type-checking is
// `npm run typecheck` (tsc), which CI runs.
// The command reference generator (src/reference.ts, run by `npm run docs`) is bundled on its own into
// dist/reference.js, so that the CLI's own files stay as they are.
// The render worker (PDFs drawn on every core, src/writers/render-pool.ts) is an entry point too.
// Left in node_modules: better-sqlite3 (a native addon), pg (it looks for an optional native driver), and exceljs,
// which is loaded only for xlsx files and calls the deprecated Buffer(), which Node only tolerates from node_modules.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'src/cli.ts',
    'csv-worker': 'src/importers/csv-worker.ts',
    'xlsx-worker': 'src/importers/xlsx-worker.ts',
    'render-worker': 'src/writers/render-worker.ts',
  },
  outdir,
  // the chunks sit beside the entry points: csv.ts and xlsx.ts find their workers as ./csv-worker.js and
  // ./xlsx-worker.js next to themselves
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'pg-native', 'exceljs'],
  // CommonJS dependencies call require(), which an ES module lacks
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});
// PDFKit, bundled, reads the sRGB profile of its PDF/A output intent from ./data/ beside the code that runs it
fs.mkdirSync(path.join(outdir, 'data'));
fs.copyFileSync(path.join(root, 'node_modules/pdfkit/js/data/sRGB_IEC61966_2_1.icc'), path.join(outdir, 'data/sRGB_IEC61966_2_1.icc'));
await build({
  absWorkingDir: root,
  entryPoints: { reference: 'src/reference.ts' },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'pg-native', 'exceljs'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
