// Checks every answer the tests receive against openapi/v1.json: the status is declared for the
// operation (not only through a `default`) and the JSON body matches the declared schema (a small
// validator for the keywords the spec uses). Violations are collected, and a test asserts none.
import { readFileSync } from "node:fs";
import type { Middleware } from "openapi-fetch";

type Schema = { [key: string]: unknown };
interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const spec = JSON.parse(readFileSync(new URL("../../../../openapi/v1.json", import.meta.url), "utf8")) as Spec;

export const violations: string[] = [];
/** How many answers were checked. */
export let checked = 0;

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  return typeof ref === "string" ? resolve(spec.components.schemas[ref.split("/").pop()!]!) : schema;
}

/** Problems of `value` against `schema`, as `path: message` strings. */
export function validate(value: unknown, schema: Schema, at = "$"): string[] {
  const s = resolve(schema);
  if (value === null) return s.nullable ? [] : [`${at}: null not allowed`];
  const errors: string[] = [];
  for (const part of (s.allOf as Schema[] | undefined) ?? []) errors.push(...validate(value, part, at));
  if (s.oneOf) {
    const matching = (s.oneOf as Schema[]).filter((option) => validate(value, option, at).length === 0);
    if (matching.length !== 1) errors.push(`${at}: matches ${matching.length} of oneOf`);
  }
  if (s.enum && !(s.enum as unknown[]).includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  switch (s.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [...errors, `${at}: not an object`];
      const object = value as Record<string, unknown>;
      for (const key of (s.required as string[] | undefined) ?? []) {
        if (!(key in object)) errors.push(`${at}.${key}: required, missing`);
      }
      const properties = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [key, child] of Object.entries(object)) {
        if (properties[key]) errors.push(...validate(child, properties[key], `${at}.${key}`));
        else if (s.additionalProperties === false) errors.push(`${at}.${key}: not declared`);
        else if (typeof s.additionalProperties === "object") {
          errors.push(...validate(child, s.additionalProperties as Schema, `${at}.${key}`));
        }
      }
      break;
    }
    case "array":
      if (!Array.isArray(value)) return [...errors, `${at}: not an array`];
      value.forEach((item, i) => errors.push(...validate(item, s.items as Schema, `${at}[${i}]`)));
      break;
    case "integer":
      if (!Number.isInteger(value)) errors.push(`${at}: not an integer`);
      break;
    case "number":
    case "string":
    case "boolean":
      if (typeof value !== s.type) errors.push(`${at}: not a ${String(s.type)}`);
      break;
  }
  return errors;
}

/** A middleware recording violations of the spec by the server's answers. */
export const conformance: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    checked++;
    const method = request.method.toLowerCase();
    const operation = spec.paths[schemaPath]?.[method];
    const where = `${request.method} ${schemaPath} -> ${response.status}`;
    if (!operation) return void violations.push(`${where}: operation not in the spec`);
    const declared = operation.responses[String(response.status)];
    if (!declared) {
      const note = operation.responses.default ? " (only `default` covers it)" : "";
      return void violations.push(`${where}: status not declared${note}`);
    }
    if (!response.headers.get("x-request-id")) violations.push(`${where}: no X-Request-Id (a required header)`);
    const entry = declared;
    const type = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    const text = await response.clone().text();
    if (!entry?.content) {
      if (text) violations.push(`${where}: a body where none is declared`);
      return;
    }
    const media = entry.content[type];
    if (!media) return void violations.push(`${where}: content-type ${type || "(none)"} not declared`);
    const errors = validate(JSON.parse(text), media.schema);
    if (errors.length) violations.push(`${where}: ${errors.slice(0, 5).join("; ")}`);
  },
};
