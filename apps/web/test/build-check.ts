// Whether the built UI (apps/web/dist) is older than any of its sources.
import { join, resolve } from "node:path";
import { olderThanSources } from "@pulseboard/test-support";

export const WEB_ROOT = resolve(import.meta.dirname, "..");
export const DIST = join(WEB_ROOT, "dist");

export function isBuildStale(): boolean {
  const sources = ["src", "index.html", "vite.config.ts", "package.json", "../../packages/client/src"];
  return olderThanSources(
    join(DIST, "index.html"),
    sources.map((p) => join(WEB_ROOT, p)),
  );
}
