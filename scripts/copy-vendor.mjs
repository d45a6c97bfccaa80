// Copies the browser files the page loads from installed npm packages into public/vendor/ (not committed).
// cargo-leptos then copies public/ into the site.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'public', 'vendor'), { recursive: true });
copyFileSync(
  join(root, 'node_modules', 'echarts', 'dist', 'echarts.min.js'),
  join(root, 'public', 'vendor', 'echarts.min.js'),
);
