// Drift test: regenerates the types from ../../openapi/v1.json into a temporary file and fails
// when they differ from the committed src/schema.d.ts (fix: `npm run generate`, commit it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "atelier-sdk-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync("node_modules/.bin/openapi-typescript", ["../../openapi/v1.json", "-o", fresh], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const committed = readFileSync("src/schema.d.ts", "utf8");
  if (readFileSync(fresh, "utf8") !== committed) {
    console.error("src/schema.d.ts is out of date with ../../openapi/v1.json: run `npm run generate` and commit it.");
    process.exit(1);
  }
  console.log("src/schema.d.ts matches ../../openapi/v1.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
