// Validates docs/openapi.json as OpenAPI 3.1, then every recorded API response against the
// response schema the document gives for its path, method and status.
// Usage: node validate-openapi.mjs OPENAPI.json RESPONSES.jsonl
// Each line of RESPONSES.jsonl: {"method", "path", "status", "content_type", "body"}.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, recordsPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const failures = [];

const validator = new Validator();
const res = await validator.validate(doc);
if (!res.valid) failures.push("the document is not valid OpenAPI 3.1: " + JSON.stringify(res.errors).slice(0, 2000));
if (validator.version !== "3.1") failures.push("the document is OpenAPI " + validator.version + ", not 3.1");

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The document's component schemas as one JSON Schema; refs into it made absolute.
const BASE = "https://rsx.invalid/schemas";
const rebase = (o, to) => JSON.parse(JSON.stringify(o).replaceAll('"#/components/schemas/', '"' + to));
ajv.addSchema({ $id: BASE, $defs: rebase(doc.components.schemas, "#/$defs/") });
const compiled = new Map();
const validatorFor = (schema) => {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rebase(schema, BASE + "#/$defs/")));
  return compiled.get(key);
};

const resolve = (obj) => {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, "").split("/");
    obj = parts.reduce((o, k) => o[k], doc);
  }
  return obj;
};
const templates = Object.keys(doc.paths).map((t) => ({
  t,
  re: new RegExp("^" + t.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  literal: !t.includes("{"),
}));

const lines = readFileSync(recordsPath, "utf8").split("\n").filter((l) => l.trim());
let checked = 0;
const seen = new Set();
for (const line of lines) {
  const r = JSON.parse(line);
  const path = r.path.split("?")[0];
  // A literal path wins over a template (/connections/test over /connections/{id}).
  const matches = templates.filter((x) => x.re.test(path)).sort((a, b) => b.literal - a.literal);
  const ops = matches.map((m) => [m.t, doc.paths[m.t][r.method.toLowerCase()]]).filter(([, o]) => o);
  if (!ops.length) {
    if (r.status !== 404 && r.status !== 405) failures.push(`${r.method} ${path} -> ${r.status}: no such operation in the document`);
    continue;
  }
  const [template, op] = ops[0];
  const response = resolve(op.responses[String(r.status)] || op.responses.default);
  if (!response) {
    failures.push(`${r.method} ${template} -> ${r.status}: the status is not documented`);
    continue;
  }
  seen.add(`${r.method} ${template} ${r.status}`);
  if (!response.content) {
    if (r.body !== null && r.body !== "") failures.push(`${r.method} ${template} -> ${r.status}: a body where none is documented`);
    checked++;
    continue;
  }
  const ctype = (r.content_type || "").split(";")[0].trim();
  const media = response.content[ctype];
  if (!media) {
    failures.push(`${r.method} ${template} -> ${r.status}: content type ${ctype} is not documented`);
    continue;
  }
  if (ctype === "application/json") {
    let body;
    try {
      body = JSON.parse(r.body);
    } catch (e) {
      failures.push(`${r.method} ${template} -> ${r.status}: not JSON`);
      continue;
    }
    const v = validatorFor(media.schema);
    if (!v(body)) failures.push(`${r.method} ${template} -> ${r.status}: ${ajv.errorsText(v.errors)} in ${r.body.slice(0, 300)}`);
  }
  checked++;
}
console.log(`openapi: the document is OpenAPI ${validator.version}; ${checked} responses of ${seen.size} (operation, status) pairs validated`);
if (failures.length) {
  console.error(failures.slice(0, 50).join("\n"));
  process.exit(1);
}
