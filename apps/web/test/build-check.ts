// Whether the built UI (apps/web/dist) is older than any of its sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const WEB_ROOT = resolve(import.meta.dirname, "..");
export const DIST = join(WEB_ROOT, "dist");

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

export function isBuildStale(): boolean {
  const index = join(DIST, "index.html");
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = ["src", "index.html", "vite.config.ts", "package.json", "../../packages/client/src"].map(
    (p) => join(WEB_ROOT, p),
  );
  return sources.some((p) => existsSync(p) && newest(p) > built);
}
