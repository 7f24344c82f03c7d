// Validates an AsyncAPI 3.0 document against the official JSON Schema of @asyncapi/specs
// (pinned in package.json) with ajv. Usage: node validate.mjs <document.json>
// Run by tests/tests/asyncapi.rs (after `npm ci`).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const specs = require("@asyncapi/specs");

const document = JSON.parse(readFileSync(process.argv[2], "utf8"));
const version = document.asyncapi;
const schema = specs.schemas[version];
if (!schema) {
  console.error(`no official schema for asyncapi ${version}`);
  process.exit(2);
}
// The official schemas use draft-07 and keywords ajv's strict mode refuses.
// They also embed the draft-07 meta-schema (under its own $id), so ajv must not add its copy.
const ajv = new Ajv({ allErrors: true, strict: false, meta: false, validateSchema: false });
addFormats(ajv);
const validate = ajv.compile(schema);
if (!validate(document)) {
  for (const error of validate.errors) {
    console.error(`${error.instancePath || "/"}: ${error.message} ${JSON.stringify(error.params)}`);
  }
  process.exit(1);
}
console.log(`valid AsyncAPI ${version} (@asyncapi/specs ${require("@asyncapi/specs/package.json").version})`);
