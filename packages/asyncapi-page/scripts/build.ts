// `npx tsx packages/asyncapi-page/scripts/build.ts`: builds the page's bundle if it is stale
// (ensurePageBuilt runs this under a lock).
import { buildIfStale } from "../src/build.ts";

buildIfStale();
