// Writes docs/ERRORS.md from the error table (`npm run docs:errors`); the error-codes spec fails
// until the file matches.
import { writeFileSync } from "node:fs";
import { renderErrorReference } from "../packages/channels/src/error-reference.ts";

writeFileSync(new URL("../docs/ERRORS.md", import.meta.url), renderErrorReference());
