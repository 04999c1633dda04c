// After login the UI follows `next` only to a path of this site: every spelling of another
// origin (`//x`, `/\x`, tabs or newlines the URL parser drops) and the login page itself fall
// back to "/", and nothing throws.
import { describe, expect, it } from "vitest";
import { safeNext } from "../src/app/next.ts";

const origin = "http://127.0.0.1:8080";
const next = (value: string) => safeNext(`?next=${encodeURIComponent(value)}`, origin);

describe("safeNext", () => {
  it("keeps a path of this site with its query and hash", () => {
    expect(next("/dashboards/2?range=1h#cpu")).toBe("/dashboards/2?range=1h#cpu");
    expect(safeNext("", origin)).toBe("/");
  });

  it("sends every spelling of another site, and the login page, to /", () => {
    for (const value of [
      "//evil.example/",
      "/\\evil.example/",
      "/\\/evil.example/",
      "/\t/evil.example/",
      "/\n/evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/login?next=/x",
      "",
    ])
      expect(next(value)).toBe("/");
  });
});
