// Builds apps/web/dist when it is missing or older than the sources. Run under a lock by the
// e2e tests (several test files may ask at once), and usable by hand: `npx tsx apps/web/scripts/build.ts`.
import { viteBuild } from "@pulseboard/test-support";
import { isBuildStale, WEB_ROOT } from "../test/build-check.ts";

if (isBuildStale()) viteBuild(WEB_ROOT);
