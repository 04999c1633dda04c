// Vitest's global setup (vitest.config.ts), once per run before any spec file starts: builds the
// spec bundles (bundles.ts: why and how they stand in for tsx) and the PostgreSQL data dir every
// cluster of the run is copied from (postgres.ts); the returned teardown deletes the latter.
import { buildSpecBundles } from "./bundles.ts";
import { makeTemplate } from "./postgres.ts";

export default async function setup(): Promise<() => void> {
  const removeTemplate = makeTemplate();
  try {
    await buildSpecBundles();
  } catch (error) {
    removeTemplate();
    throw error;
  }
  return removeTemplate;
}
