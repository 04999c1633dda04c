// Entry of a read worker thread: TypeScript is loaded through tsx's loader (the server runs on
// tsx too), then the task handler of reader-worker.ts serves every task of the pool.
import { register } from "tsx/esm/api";

register();
const { default: handle } = await import("./reader-worker.ts");
export default handle;
