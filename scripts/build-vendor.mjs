// Builds the browser files the page loads from installed npm packages into public/vendor/ (not committed):
// ECharts with only the charts and components the dashboard uses (frontend/js/echarts.js), minified by esbuild.
// Also compressed once at the highest levels (.br, .gz), which the server sends as they are to browsers that
// accept them. Run by `npm ci` (postinstall), and by the Dockerfile after its dependencies' layer; cargo-leptos
// then copies public/ into the site.
import { buildSync } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The full build the page loaded before; a stale copy would be copied into the site for nothing.
rmSync(join(root, 'public', 'vendor', 'echarts.min.js'), { force: true });
buildSync({
  entryPoints: [join(root, 'frontend', 'js', 'echarts.js')],
  outfile: join(root, 'public', 'vendor', 'echarts.js'),
  bundle: true,
  minify: true,
  // A module's top level, which the page loads as <script type="module">: V8 parses the body of an IIFE twice,
  // skimmed while the script compiles and again in full when it is called at once. The ECharts script's task on
  // the page's main thread took a median of 155–158 ms as an IIFE and 95–108 ms as a module (two sets of eight
  // loads each).
  format: 'esm',
  target: 'es2020',
  legalComments: 'eof',
  logLevel: 'warning',
});

const bundle = join(root, 'public', 'vendor', 'echarts.js');
const content = readFileSync(bundle);
writeFileSync(`${bundle}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
writeFileSync(`${bundle}.gz`, gzipSync(content, { level: 9 }));
