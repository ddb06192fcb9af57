// Development-time extractor, run by `cargo xtask catalogue-extract --package DIR`.
// Reads the facts of every transformation from an unpacked @pixelbin/core and prints the
// catalogue (our own JSON format) on stdout. Facts come from two places, cross-checked:
// the README's tables (types, enum values) and the package's own builders (prefix, ids,
// parameter order, defaults: read by calling them, not by copying their code).
"use strict";
const fs = require("fs");
const path = require("path");

const pkg = process.argv[2];
if (!pkg) throw new Error("usage: extract.cjs <unpacked @pixelbin/core directory>");
const manifest = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
const readme = fs.readFileSync(path.join(pkg, "README.md"), "utf8");

// README: "### N. Plugin", "<summary> N. operation </summary>", "| name | type | default |".
function readmeTables() {
    const start = readme.indexOf("## List of supported transformations");
    if (start < 0) throw new Error("README has no list of supported transformations");
    const plugins = [];
    let plugin = null;
    let op = null;
    for (const line of readme.slice(start).split("\n")) {
        let m;
        if ((m = /^### \d+\. (\S+)\s*$/.exec(line))) {
            plugin = { name: m[1], operations: [] };
            plugins.push(plugin);
        } else if ((m = /<summary>\s*\d+\. (\S+)\s*<\/summary>/.exec(line))) {
            op = { name: m[1], parameters: [] };
            plugin.operations.push(op);
        } else if (op && line.startsWith("|")) {
            const cells = line.split("|").slice(1, -1).map((c) => c.trim());
            if (cells.length !== 3 || cells[0] === "parameter" || /^-+$/.test(cells[0])) continue;
            const [name, type, def] = cells;
            const e = /^enum\s*:\s*(.*)$/.exec(type);
            const values = e ? [...e[1].matchAll(/`([^`]*)`/g)].map((x) => x[1]) : null;
            op.parameters.push({ name, type: e ? "enum" : type, values, readmeDefault: def.replace(/`/g, "") });
        }
    }
    return plugins;
}

// The default configuration an operation renders when called without one.
function defaultConfig(fn) {
    const src = fn.toString();
    const m = /^function\s*\(config\s*=\s*(\{\}|\{[\s\S]*?\n\s*\})\)\s*\{/.exec(src);
    if (!m) throw new Error("cannot find the default configuration of " + fn.name);
    return new Function("return (" + m[1] + ");")();
}

// Calls the operation and returns its one segment.
function render(fn, config) {
    const segments = fn(config).getTransformation();
    if (segments.length !== 1) throw new Error("expected one segment");
    return segments[0];
}

function typeOf(readmeParam) {
    const known = ["integer", "float", "boolean", "enum", "color", "string", "custom", "file", "bbox", "bboxList", "polygonList"];
    if (!known.includes(readmeParam.type)) throw new Error("unknown parameter type " + readmeParam.type);
    return readmeParam.type;
}

const out = { source: `${manifest.name} ${manifest.version}`, plugins: [] };
for (const rp of readmeTables()) {
    // The transformation modules need none of the package's runtime dependencies.
    const mod = require(path.resolve(pkg, "lib/cjs/transformations", rp.name + ".js"));
    const exported = Object.keys(mod).filter((k) => k !== "default" && k !== "__esModule" && typeof mod[k] === "function");
    const listed = rp.operations.map((o) => o.name);
    for (const name of exported) if (!listed.includes(name)) throw new Error(`${rp.name}.${name} is exported but not in the README`);
    const plugin = { name: rp.name, operations: [] };
    for (const ro of rp.operations) {
        const fn = mod[ro.name];
        if (typeof fn !== "function") throw new Error(`${rp.name}.${ro.name} is listed but not exported`);
        const empty = render(fn, {});
        const prefix = /^(.*)\(\)$/.exec(empty)[1];
        const defaults = defaultConfig(fn);
        const names = Object.keys(defaults);
        const readmeNames = ro.parameters.map((p) => p.name);
        if (JSON.stringify(names) !== JSON.stringify(readmeNames))
            throw new Error(`${rp.name}.${ro.name}: README parameters ${readmeNames} differ from the package's ${names}`);
        const parameters = ro.parameters.map((rpar) => {
            const seg = render(fn, { [rpar.name]: "VALUE" });
            const m = new RegExp("^" + prefix.replace(/\./g, "\\.") + "\\(([^:]+):VALUE\\)$").exec(seg);
            if (!m) throw new Error(`${rp.name}.${ro.name}.${rpar.name}: unexpected segment ${seg}`);
            const p = { name: rpar.name, id: m[1], type: typeOf(rpar) };
            if (rpar.values) p.values = rpar.values;
            const d = defaults[rpar.name];
            if (d !== null && d !== undefined && d !== "") p.default = d;
            return p;
        });
        // The order the package writes parameters in, read from a full configuration.
        const all = {};
        names.forEach((n, i) => (all[n] = "v" + i));
        const inner = render(fn, all).slice(prefix.length + 1, -1);
        const order = (inner ? inner.split(",") : []).map((kv) => Number(kv.split(":v")[1]));
        if (JSON.stringify(order) !== JSON.stringify(names.map((_, i) => i)))
            throw new Error(`${rp.name}.${ro.name}: parameters are written in another order`);
        plugin.operations.push({ name: ro.name, prefix, parameters });
    }
    out.plugins.push(plugin);
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
