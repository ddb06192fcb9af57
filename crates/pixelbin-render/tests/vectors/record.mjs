// Records pixelbin-render's test vectors with sharp (libvips), the reference for what
// Pixelbin's basic transformations do.
//
// Rerun (Node 18+; the tests themselves never need Node):
//
//   mkdir -p /tmp/sharp && cd /tmp/sharp && npm init -y && npm install sharp@0.35.6
//   SHARP_DIR=/tmp/sharp node crates/pixelbin-render/tests/vectors/record.mjs
//
// It makes the small inputs (gradients and shapes, some with alpha) in inputs/, renders
// every case below step by step (each `~` step a separate sharp pipeline, through lossless
// PNG, so sharp does not reorder steps) and writes the result as PNG in outputs/
// with manifest.json: the case, the input, the pattern, the output's size and channels, or
// the error sharp raised.

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.SHARP_DIR ?? process.cwd(), 'package.json'));
const sharp = require('sharp');

// ---- inputs -------------------------------------------------------------------------

function rawImage(width, height, channels, pixel) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = pixel(x, y);
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = px[c];
    }
  }
  return { data, info: { width, height, channels } };
}

const inputs = {
  // A colour gradient with a dark disc and a bright bar: edges for the filters.
  'gradient.png': rawImage(48, 32, 3, (x, y) => {
    const disc = (x - 30) ** 2 + (y - 14) ** 2 < 64;
    const bar = x >= 6 && x < 14 && y >= 20 && y < 28;
    if (disc) return [20, 30, 60];
    if (bar) return [250, 240, 40];
    return [x * 5, y * 8, 128];
  }),
  // Colour with alpha: a transparent corner, a half-transparent band, an opaque square.
  'alpha.png': rawImage(40, 30, 4, (x, y) => {
    if (x < 10 && y < 8) return [0, 0, 0, 0];
    if (y >= 22) return [200, 40, 90, 128];
    if (x >= 20 && x < 32 && y >= 6 && y < 18) return [30, 160, 220, 255];
    return [x * 6, 100, y * 8, 255];
  }),
  // A shape on a flat frame, for t.trim.
  'framed.png': rawImage(36, 28, 3, (x, y) => {
    if (x >= 9 && x < 25 && y >= 6 && y < 19) return [40 + x * 4, 90, 200 - y * 3];
    if (x === 30 && y === 22) return [240, 240, 255]; // a lone speck: libvips' trim smooths it away
    return [250, 250, 250];
  }),
  // Low contrast, for t.normalise.
  'dull.png': rawImage(32, 24, 3, (x, y) => [100 + x, 110 + y, 105 + ((x + y) % 7)]),
  // The overlay of t.merge.
  'overlay.png': rawImage(16, 12, 4, (x, y) =>
    x + y < 6 ? [0, 0, 0, 0] : [240, (x * 15) % 256, 30, x < 8 ? 255 : 160]),
};

// ---- the pattern, as sharp calls --------------------------------------------------------

// Pixelbin's catalogue defaults (pixelbin_url::catalogue), by operation and short id.
const defaults = {
  resize: { h: 0, w: 0, f: 'cover', b: '000000', p: 'center', k: 'lanczos3', dpr: 1 },
  extend: { t: 10, l: 10, b: 10, r: 10, bc: '000000', bt: 'constant', dpr: 1 },
  extract: { t: 10, l: 10, h: 50, w: 20 },
  trim: { t: 10 },
  rotate: { a: 0, b: '000000' },
  sharpen: { s: 1.5 },
  median: { s: 3 },
  blur: { s: 0.3, dpr: 1 },
  flatten: { b: '000000' },
  linear: { a: 1, b: 0 },
  modulate: { b: 1, s: 1, h: 90 },
  tint: { c: '000000' },
  toFormat: { f: 'jpeg', q: 75 },
  density: { d: 300 },
  merge: { m: 'overlay', bg: '00000000', h: 0, w: 0, t: 0, l: 0, g: 'center', b: 'over', r: 'false' },
  compress: { q: 80 },
};

function colour(hex) {
  const byte = (i) => parseInt(hex.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: hex.length === 8 ? byte(6) / 255 : 1 };
}

const positions = {
  top: 'top', bottom: 'bottom', left: 'left', right: 'right', center: 'centre',
  right_top: 'right top', right_bottom: 'right bottom', left_top: 'left top', left_bottom: 'left bottom',
};
const borders = { constant: 'background', replicate: 'copy', reflect: 'mirror', wrap: 'repeat' };

function parseStep(text) {
  const m = /^t\.(\w+)\((.*)\)$/.exec(text);
  if (!m) throw new Error(`not a basic step: ${text}`);
  const params = { ...(defaults[m[1]] ?? {}) };
  for (const part of m[2] ? m[2].split(',') : []) {
    const [key, value] = part.split(':');
    params[key] = value;
  }
  return { name: m[1], params };
}

// One step on an image; `output` collects the format a step asks for.
async function step(image, { name, params: p }, output) {
  const n = Number;
  switch (name) {
    case 'resize': {
      const dpr = n(p.dpr);
      return image.resize({
        width: n(p.w) ? Math.round(n(p.w) * dpr) : undefined,
        height: n(p.h) ? Math.round(n(p.h) * dpr) : undefined,
        fit: p.f, position: positions[p.p], background: colour(p.b), kernel: p.k,
      });
    }
    case 'extend': {
      const d = (v) => Math.round(n(v) * n(p.dpr));
      return image.extend({
        top: d(p.t), left: d(p.l), bottom: d(p.b), right: d(p.r),
        background: colour(p.bc), extendWith: borders[p.bt],
      });
    }
    case 'extract': return image.extract({ left: n(p.l), top: n(p.t), width: n(p.w), height: n(p.h) });
    case 'trim': return image.trim({ threshold: n(p.t) });
    case 'rotate': return image.rotate(n(p.a), { background: colour(p.b) });
    case 'flip': return image.flip();
    case 'flop': return image.flop();
    case 'sharpen': return image.sharpen({ sigma: n(p.s) });
    case 'median': return image.median(n(p.s));
    case 'blur': return image.blur(n(p.s) * n(p.dpr));
    case 'flatten': return image.flatten({ background: colour(p.b) });
    case 'negate': return image.negate();
    case 'normalise': return image.normalise();
    case 'linear': return image.linear(n(p.a), n(p.b));
    case 'modulate': return image.modulate({ brightness: n(p.b), saturation: n(p.s), hue: n(p.h) });
    case 'grey': return image.greyscale();
    case 'tint': return image.tint(colour(p.c));
    case 'toFormat': output.format = p.f; output.quality = n(p.q); return image;
    case 'density': return image.withMetadata({ density: n(p.d) });
    case 'compress': output.quality = n(p.q); return image;
    case 'merge': {
      let overlay = sharp(readFileSync(join(here, 'inputs', p.i)));
      if (n(p.w) || n(p.h)) overlay = overlay.resize({ width: n(p.w) || undefined, height: n(p.h) || undefined });
      const layer = { input: await overlay.png().toBuffer(), blend: p.b, tile: p.r === 'true' };
      if (p.g === 'custom') Object.assign(layer, { top: n(p.t), left: n(p.l) });
      else layer.gravity = { center: 'centre' }[p.g] ?? p.g;
      if (p.m === 'underlay') {
        // The overlay below: the image composited onto a canvas holding the placed overlay.
        const { width, height } = await image.metadata();
        const base = await sharp({ create: { width, height, channels: 4, background: colour(p.bg) } })
          .composite([layer]).png().toBuffer();
        const top = await image.png().toBuffer();
        return sharp(base).composite([{ input: top, blend: p.b }]);
      }
      return image.composite([layer]);
    }
    default: throw new Error(`no sharp mapping for t.${name}`);
  }
}

function png({ data, info }) {
  return sharp(data, { raw: info }).png().toBuffer();
}

// ---- the cases --------------------------------------------------------------------------

const G = 'gradient.png', A = 'alpha.png', F = 'framed.png', D = 'dull.png';
const cases = [
  ['original', G, 'original'],
  // resize: each fit, position and kernel, one side only, upscaling, a 1-pixel side, dpr.
  ['resize-width', G, 't.resize(w:24)'],
  ['resize-height', G, 't.resize(h:20)'],
  ['resize-cover', G, 't.resize(w:20,h:20)'],
  ['resize-cover-top', G, 't.resize(w:20,h:20,p:top)'],
  ['resize-cover-left_bottom', G, 't.resize(w:20,h:10,p:left_bottom)'],
  ['resize-cover-right_top', G, 't.resize(w:30,h:12,p:right_top)'],
  ['resize-contain', G, 't.resize(w:20,h:20,f:contain,b:ff0000)'],
  ['resize-contain-bottom', G, 't.resize(w:20,h:20,f:contain,p:bottom)'],
  ['resize-fill', G, 't.resize(w:20,h:30,f:fill)'],
  ['resize-inside', G, 't.resize(w:20,h:20,f:inside)'],
  ['resize-outside', G, 't.resize(w:20,h:20,f:outside)'],
  ['resize-nearest', G, 't.resize(w:24,k:nearest)'],
  ['resize-cubic', G, 't.resize(w:24,k:cubic)'],
  ['resize-mitchell', G, 't.resize(w:24,k:mitchell)'],
  ['resize-lanczos2', G, 't.resize(w:24,k:lanczos2)'],
  ['resize-up', G, 't.resize(w:96)'],
  ['resize-one', G, 't.resize(w:1)'],
  ['resize-dpr', G, 't.resize(w:12,dpr:2)'],
  ['resize-alpha', A, 't.resize(w:20)'],
  ['resize-alpha-contain', A, 't.resize(w:30,h:30,f:contain,b:00000000)'],
  ['resize-defaults', G, 't.resize()'],
  // extend
  ['extend-defaults', G, 't.extend()'],
  ['extend-sides', G, 't.extend(t:0,l:5,b:3,r:0,bc:ff0000)'],
  ['extend-replicate', G, 't.extend(t:4,l:6,b:5,r:7,bt:replicate)'],
  ['extend-reflect', G, 't.extend(t:4,l:6,b:5,r:7,bt:reflect)'],
  ['extend-wrap', G, 't.extend(t:4,l:6,b:5,r:7,bt:wrap)'],
  ['extend-alpha', A, 't.extend(t:3,l:3,b:3,r:3,bc:00ff0080)'],
  ['extend-dpr', G, 't.extend(t:2,l:2,b:2,r:2,dpr:2)'],
  // extract
  ['extract-defaults-outside', G, 't.extract()'],
  ['extract-area', G, 't.extract(t:5,l:7,h:20,w:30)'],
  ['extract-pixel', G, 't.extract(t:0,l:0,h:1,w:1)'],
  ['extract-whole', A, 't.extract(t:0,l:0,h:30,w:40)'],
  ['extract-outside', G, 't.extract(t:20,l:0,h:20,w:10)'],
  // trim
  ['trim-defaults', F, 't.trim()'],
  ['trim-zero', F, 't.trim(t:0)'],
  ['trim-high', F, 't.trim(t:100)'],
  // rotate
  ['rotate-90', G, 't.rotate(a:90)'],
  ['rotate-180', G, 't.rotate(a:180)'],
  ['rotate-270', A, 't.rotate(a:270)'],
  ['rotate-minus-90', G, 't.rotate(a:-90)'],
  ['rotate-0', G, 't.rotate()'],
  ['rotate-45', G, 't.rotate(a:45,b:ff0000)'],
  ['rotate-30-alpha', A, 't.rotate(a:30,b:00000000)'],
  // flip, flop
  ['flip', G, 't.flip()'],
  ['flop', A, 't.flop()'],
  // filters
  ['sharpen-defaults', G, 't.sharpen()'],
  ['sharpen-small', G, 't.sharpen(s:0.5)'],
  ['sharpen-large', G, 't.sharpen(s:5)'],
  ['median-defaults', G, 't.median()'],
  ['median-5', G, 't.median(s:5)'],
  ['median-1', G, 't.median(s:1)'],
  ['blur-defaults', G, 't.blur()'],
  ['blur-1', G, 't.blur(s:1)'],
  ['blur-3', G, 't.blur(s:3)'],
  ['blur-alpha', A, 't.blur(s:2)'],
  ['blur-dpr', G, 't.blur(s:1,dpr:2)'],
  // colour
  ['flatten-defaults', A, 't.flatten()'],
  ['flatten-white', A, 't.flatten(b:ffffff)'],
  ['flatten-opaque', G, 't.flatten(b:ff0000)'],
  ['negate', G, 't.negate()'],
  ['negate-alpha', A, 't.negate()'],
  ['normalise', D, 't.normalise()'],
  ['normalise-full-range', G, 't.normalise()'],
  ['linear-defaults', G, 't.linear()'],
  ['linear', G, 't.linear(a:2,b:-50)'],
  ['linear-alpha', A, 't.linear(a:0,b:128)'],
  ['modulate-defaults', G, 't.modulate()'],
  ['modulate-brightness', G, 't.modulate(b:1.5,h:0)'],
  ['modulate-saturation-0', G, 't.modulate(s:0,h:0)'],
  ['modulate-hue-180', G, 't.modulate(h:180)'],
  ['modulate-alpha', A, 't.modulate(b:0.5,s:2,h:0)'],
  ['grey', G, 't.grey()'],
  ['grey-alpha', A, 't.grey()'],
  ['tint-red', G, 't.tint(c:ff0000)'],
  ['tint-defaults', G, 't.tint()'],
  ['tint-alpha', A, 't.tint(c:3366cc)'],
  // formats (the output is stored decoded, as PNG)
  ['to-jpeg', G, 't.toFormat(f:jpeg,q:90)'],
  ['to-jpeg-defaults', A, 't.toFormat()'],
  ['to-png', A, 't.toFormat(f:png)'],
  ['to-webp', G, 't.toFormat(f:webp,q:80)'],
  ['to-webp-alpha', A, 't.toFormat(f:webp,q:100)'],
  ['to-tiff', A, 't.toFormat(f:tiff)'],
  ['to-avif', G, 't.toFormat(f:avif,q:60)'],
  ['density', G, 't.density(d:72)'],
  ['compress', G, 't.compress(q:50)'],
  // merge
  ['merge-defaults', G, 't.merge(i:overlay.png)'],
  ['merge-northwest', G, 't.merge(i:overlay.png,g:northwest)'],
  ['merge-southeast-alpha', A, 't.merge(i:overlay.png,g:southeast)'],
  ['merge-custom', G, 't.merge(i:overlay.png,g:custom,l:5,t:3)'],
  ['merge-resized', G, 't.merge(i:overlay.png,w:24,h:24,g:east)'],
  ['merge-tile', G, 't.merge(i:overlay.png,r:true)'],
  ['merge-multiply', G, 't.merge(i:overlay.png,b:multiply)'],
  ['merge-screen', G, 't.merge(i:overlay.png,b:screen)'],
  ['merge-difference', G, 't.merge(i:overlay.png,b:difference)'],
  ['merge-dest-over', A, 't.merge(i:overlay.png,b:dest-over,g:north)'],
  ['merge-xor', A, 't.merge(i:overlay.png,b:xor)'],
  ['merge-soft-light', G, 't.merge(i:overlay.png,b:soft-light)'],
  ['merge-too-large', 'overlay.png', 't.merge(i:gradient.png)'],
  // chains
  ['chain-resize-rotate-blur', G, 't.resize(w:30)~t.rotate(a:90)~t.blur(s:1)'],
  ['chain-extract-flip-grey', A, 't.extract(t:2,l:3,h:20,w:25)~t.flip()~t.grey()'],
  ['chain-extract-rotate-blur', G, 't.extract(t:4,l:4,h:24,w:40)~t.rotate(a:90)~t.blur(s:2)'],
];

// ---- recording ----------------------------------------------------------------------------

mkdirSync(join(here, 'inputs'), { recursive: true });
rmSync(join(here, 'outputs'), { recursive: true, force: true });
mkdirSync(join(here, 'outputs'), { recursive: true });
for (const [name, image] of Object.entries(inputs)) {
  writeFileSync(join(here, 'inputs', name), await png(image));
}

const manifest = { sharp: sharp.versions.sharp, vips: sharp.versions.vips, cases: [] };
for (const [name, input, pattern] of cases) {
  const entry = { name, input, pattern };
  try {
    let current = readFileSync(join(here, 'inputs', input));
    const output = {};
    for (const text of pattern === 'original' ? [] : pattern.split('~')) {
      current = await (await step(sharp(current), parseStep(text), output)).png().toBuffer();
    }
    const image = sharp(current);
    const { width, height, channels } = await image.metadata();
    entry.width = width;
    entry.height = height;
    entry.channels = channels;
    if (output.format) {
      // Encoded as asked (the size in bytes is informative), stored decoded.
      const encoded = await image.clone().toFormat(output.format, { quality: output.quality }).toBuffer();
      entry.format = output.format;
      entry.encodedBytes = encoded.length;
      const decoded = sharp(encoded);
      writeFileSync(join(here, 'outputs', `${name}.png`), await decoded.png().toBuffer());
    } else {
      writeFileSync(join(here, 'outputs', `${name}.png`), await image.png().toBuffer());
    }
    entry.output = `outputs/${name}.png`;
  } catch (error) {
    entry.error = error.message;
  }
  manifest.cases.push(entry);
  console.log(name, entry.error ? `error: ${entry.error}` : `${entry.width}x${entry.height}x${entry.channels}`);
}
writeFileSync(join(here, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
