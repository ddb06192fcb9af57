// Development-time cross-check, run by `cargo xtask catalogue-vectors --package DIR`.
// For every operation of our catalogue, builds configurations of our own (nothing set, the
// defaults, every parameter set, every other parameter set with other values, and seeded
// random ones) and records the segment @pixelbin/core writes for each. The vectors file it prints is committed, so
// tests need neither node nor the package.
"use strict";
const fs = require("fs");
const path = require("path");

const [pkg, cataloguePath] = process.argv.slice(2);
if (!pkg || !cataloguePath) throw new Error("usage: vectors.cjs <@pixelbin/core directory> <catalogue.json>");
const catalogue = JSON.parse(fs.readFileSync(cataloguePath, "utf8"));

// Values of our own per type: `first` for the full configuration, `second` for the sparse one.
const floats = [2.5, 0.35, 1, 120.75, 1e-7];
const otherFloats = [1e21, 0.1 + 0.2, 3];
function first(p, i) {
    switch (p.type) {
        case "integer": return 100 + 7 * i;
        case "float": return floats[i % floats.length];
        case "boolean": return true;
        case "enum": return p.values[p.values.length - 1];
        case "color": return i % 2 ? "11223344" : "ff00aa";
        case "custom": return "dGVzdCBwcm9tcHQ";
        case "string": return "10_20_30_40";
        case "file": return "__playground__logo.png";
        case "bbox": return "10_20_110_220";
        case "bboxList": return "0_0_10_10_20_20_30_30";
        case "polygonList": return "0_0_10_0_10_10";
        default: throw new Error("no value for type " + p.type);
    }
}
function second(p, i) {
    switch (p.type) {
        case "integer": return -(3 + i);
        case "float": return otherFloats[i % otherFloats.length];
        case "boolean": return false;
        case "enum": return p.values[1 % p.values.length];
        case "color": return "ABCDEF";
        default: return ""; // left out by the package
    }
}

// Random configurations of our own: a seeded generator (mulberry32), so a rerun against the
// same package writes the same file. Each picks a random subset of the parameters, in a
// random order, with random values of each parameter's type.
const SEED = 0x5eed7000;
const RANDOM_PER_OPERATION = 12;
function mulberry32(a) {
    return function () {
        a |= 0; a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const random = mulberry32(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
const text = (n) => Array.from({ length: n }, () => pick(TEXT)).join("");
const hex = (n) => Array.from({ length: n }, () => pick("0123456789abcdefABCDEF")).join("");
function randomValue(p) {
    switch (p.type) {
        case "integer": return pick([int(-100, 100), int(0, 5000), int(-2147483648, 2147483647), 0]);
        case "float": return pick([
            int(-1000, 1000) / pick([1, 10, 100, 1000, 3, 7]),
            random() * 10 ** int(-8, 22) * pick([1, -1]),
            int(0, 100),
            0.1 * int(1, 9) + 0.2,
        ]);
        case "boolean": return random() < 0.5;
        case "enum": return pick(p.values);
        case "color": return hex(pick([6, 8]));
        case "file": return text(int(1, 12)) + pick([".png", ".jpeg", ""]);
        case "bbox": return [int(0, 500), int(0, 500), int(1, 500), int(1, 500)].join("_");
        case "bboxList":
        case "polygonList": return Array.from({ length: 2 * int(2, 6) }, () => int(0, 999)).join("_");
        default: return text(int(1, 24)); // string, custom
    }
}
function randomConfig(op) {
    const chosen = op.parameters.filter(() => random() < 0.6);
    for (let i = chosen.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
    }
    return Object.fromEntries(chosen.map((p) => [p.name, randomValue(p)]));
}

const vectors = [];
for (const plugin of catalogue.plugins) {
    const mod = require(path.resolve(pkg, "lib/cjs/transformations", plugin.name + ".js"));
    for (const op of plugin.operations) {
        const fn = mod[op.name];
        if (typeof fn !== "function") throw new Error(`${plugin.name}.${op.name} is not in the package`);
        const configs = [{}];
        const defaults = {};
        op.parameters.forEach((p) => { if (p.default !== undefined) defaults[p.name] = p.default; });
        if (Object.keys(defaults).length) configs.push(defaults);
        if (op.parameters.length) {
            const all = {};
            op.parameters.forEach((p, i) => (all[p.name] = first(p, i)));
            configs.push(all);
            const sparse = {};
            // Given in reverse, so the writing order is the catalogue's, not the caller's.
            op.parameters.forEach((p, i) => { if (i % 2 === 1 || op.parameters.length === 1) sparse[p.name] = second(p, i); });
            configs.push(Object.fromEntries(Object.entries(sparse).reverse()));
            for (let n = 0; n < RANDOM_PER_OPERATION; n++) configs.push(randomConfig(op));
        }
        const seen = new Set();
        for (const config of configs) {
            const key = JSON.stringify(config);
            if (seen.has(key)) continue;
            seen.add(key);
            const segments = fn(config).getTransformation();
            if (segments.length !== 1) throw new Error("expected one segment");
            vectors.push({ operation: `${plugin.name}.${op.name}`, config, segment: segments[0] });
        }
    }
}
process.stdout.write(JSON.stringify(vectors, null, 2) + "\n");
