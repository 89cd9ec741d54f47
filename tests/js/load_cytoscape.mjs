// Load a Cytoscape.js JSON export (.cyjs) into a headless Cytoscape.js instance and report
// what Cytoscape.js itself made of it, as JSON on stdout.
//
// Usage: node tests/js/load_cytoscape.mjs FILE.cyjs NODE_PREFIX
// NODE_PREFIX is the directory that `npm install --prefix` installed cytoscape into.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [file, prefix] = process.argv.slice(2);
if (!file || !prefix) {
  console.error("usage: node load_cytoscape.mjs FILE.cyjs NODE_PREFIX");
  process.exit(2);
}
const require = createRequire(join(resolve(prefix), "node_modules", "index.js"));
const cytoscape = require("cytoscape");

// Cytoscape.js reports bad elements (duplicate ids, missing endpoints) with console.warn or
// console.error and carries on; collect them so the caller can fail on any.
const problems = [];
console.warn = (...args) => problems.push(args.join(" "));
console.error = (...args) => problems.push(args.join(" "));

const doc = JSON.parse(readFileSync(file, "utf-8"));
const cy = cytoscape({ headless: true, styleEnabled: false, elements: doc.elements });
cy.data(doc.data ?? {});

const classCounts = {};
cy.elements().forEach((el) => {
  for (const cls of el.classes()) classCounts[cls] = (classCounts[cls] ?? 0) + 1;
});
const firstEdge = cy.edges().sort((a, b) => (a.id() < b.id() ? -1 : 1))[0];

process.stdout.write(
  JSON.stringify({
    version: cytoscape.version ?? null,
    nodes: cy.nodes().length,
    edges: cy.edges().length,
    node_ids: cy.nodes().map((n) => n.id()),
    edge_ids: cy.edges().map((e) => e.id()),
    edge_ends: cy.edges().map((e) => [e.source().id(), e.target().id()]),
    classes: classCounts,
    first_edge: firstEdge ? firstEdge.data() : null,
    graph_data: cy.data(),
    problems,
  }) + "\n",
);
