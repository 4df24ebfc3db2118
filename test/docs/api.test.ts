/**
 * docs/api.md must describe the code as it is: regenerate it with `npm run docs`.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { render } from "../../scripts/api.js";
import { guardFdLeaks } from "../helpers.js";

guardFdLeaks();

it("docs/api.md is generated from the current exports and their TSDoc", () => {
  const file = fileURLToPath(new URL("../../../docs/api.md", import.meta.url));
  assert.equal(readFileSync(file, "utf8"), render(), "docs/api.md is stale: run `npm run docs`");
});
