// Entry of the storage writer thread: TypeScript is loaded through tsx's loader (the server runs
// on tsx too), then writer-worker.ts opens its connection and serves every commit.
import { register } from "tsx/esm/api";

register();
await import("./writer-worker.ts");
