// Lints Cypher with Neo4j's own language support (the linter of the Neo4j browser and
// VS Code extension) for Cypher 5, against the labels, relationship types and property
// keys pathwarden declares.
//
// Usage: node lint.mjs <input.json>
//   input: {"schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...],
//           "parameters": {...}}, "statements": [{"source": "...", "cypher": "..."}]}
// Prints one line per diagnostic; exits 1 when any statement has an error or a warning
// (an unknown label, relationship type or property is a warning: a typo against the
// schema), 2 on bad input.
import { readFileSync } from 'node:fs';
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const path = process.argv[2];
if (!path) {
  console.error('usage: node lint.mjs <input.json>');
  process.exit(2);
}
let input;
try {
  input = JSON.parse(readFileSync(path, 'utf8'));
} catch (e) {
  console.error(`cannot read ${path}: ${e.message}`);
  process.exit(2);
}
const schema = { defaultLanguage: 'CYPHER 5', ...input.schema };
let failed = 0;
for (const { source, cypher } of input.statements) {
  const { diagnostics } = lintCypherQuery(cypher, schema);
  for (const d of diagnostics) {
    const level = d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info';
    if (d.severity === 1 || d.severity === 2) failed += 1;
    console.log(`${level}: ${source}: ${d.message.replace(/\s+/g, ' ')}\n    in: ${cypher}`);
  }
}
console.log(`${input.statements.length} statements checked, ${failed} problems`);
process.exit(failed === 0 ? 0 : 1);
