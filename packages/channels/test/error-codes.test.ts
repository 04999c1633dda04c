// Specifications of the one error table: the reference page is its rendering, and each row is one
// the framework can act on (a refused handshake has a status and a close code, a closing error a
// close code).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ErrorSpec, errorCodes } from "../src/error-codes.ts";
import { renderErrorReference } from "../src/error-reference.ts";

const rows = Object.entries(errorCodes) as Array<[string, ErrorSpec]>;

describe("the error table", () => {
  it("is what docs/ERRORS.md says (run `npm run docs:errors` after changing the table)", () => {
    const page = readFileSync(new URL("../../../docs/ERRORS.md", import.meta.url), "utf8");
    expect(page).toBe(renderErrorReference());
  });

  it("gives every handshake refusal an HTTP-like status and a 4xxx close code", () => {
    const handshake = rows.filter(([, s]) => s.ws === "authentication");
    expect(handshake.map(([code]) => code).sort()).toEqual([
      "PB_ERR_FORBIDDEN",
      "PB_ERR_NOT_FOUND",
      "PB_ERR_TOO_MANY_CONNECTIONS",
      "PB_ERR_UNAUTHORIZED",
    ]);
    for (const [, s] of handshake) {
      expect([401, 403, 404, 429]).toContain(s.status);
      expect(s.close).toBeGreaterThanOrEqual(4000);
    }
  });

  it("gives every error that ends a connection a close code, and every REST error a status", () => {
    for (const [code, s] of rows) {
      if (s.ws === "close") expect(s.close, code).toBeGreaterThanOrEqual(4000);
      if (s.rest) expect(s.status, code).toBeGreaterThanOrEqual(400);
    }
  });
});
