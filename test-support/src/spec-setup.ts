// Vitest's global setup (vitest.config.ts): builds the spec bundles once per run, before any spec
// file starts (see bundles.ts for why and how they stand in for tsx).
import { buildSpecBundles } from "./bundles.ts";

export default async function setup(): Promise<void> {
  await buildSpecBundles();
}
