// The sharp side of `cargo xtask bench render` (run it through that command):
//   SHARP_DIR=<folder with node_modules/sharp> node sharp_bench.mjs FILE PATTERN COUNT
// renders FILE through the sharp calls of PATTERN (one of the benchmark's two) COUNT times and
// prints one JSON line like the Rust side's: milliseconds per render, output size and format,
// peak RSS in KiB. sharp's operation cache is off, so each render does the whole work.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.env.SHARP_DIR ?? process.cwd(), 'package.json'));
const sharp = require('sharp');
sharp.cache(false);

const [file, pattern, count] = process.argv.slice(2);
const input = readFileSync(file);

// The benchmark's patterns as sharp calls (each step a sharp pipeline, as pixelbin-render
// applies them one after the other).
const pipelines = {
  't.resize(w:800)~t.toFormat(f:webp,q:80)': async (buf) =>
    sharp(buf).resize({ width: 800 }).webp({ quality: 80 }).toBuffer({ resolveWithObject: true }),
  't.extract(t:100,l:100,h:1000,w:1500)~t.rotate(a:90)~t.blur(s:2)': async (buf) =>
    sharp(buf).extract({ left: 100, top: 100, width: 1500, height: 1000 }).rotate(90).blur(2)
      .png().toBuffer({ resolveWithObject: true }),
};
const run = pipelines[pattern];
if (!run) throw new Error(`no sharp pipeline for ${pattern}; known: ${Object.keys(pipelines).join(' | ')}`);

const millis = [];
let last;
for (let i = 0; i < Number(count); i++) {
  const start = process.hrtime.bigint();
  last = await run(input);
  millis.push(Number(process.hrtime.bigint() - start) / 1e6);
}
console.log(JSON.stringify({
  millis: millis.map((m) => Number(m.toFixed(3))),
  bytes: last.data.length,
  format: last.info.format,
  width: last.info.width,
  height: last.info.height,
  peakKib: process.resourceUsage().maxRSS,
}));
