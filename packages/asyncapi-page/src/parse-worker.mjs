// A worker thread that parses one AsyncAPI document with the official parser and posts back its
// serialized form: validation takes a second or more of CPU, which must not stop the event loop
// of the host serving it. Plain JavaScript, so it needs no TypeScript loader in the worker.
import { parentPort, workerData } from "node:worker_threads";
import { Parser, stringify } from "@asyncapi/parser";

const { document, diagnostics } = await new Parser().parse(workerData);
const text = document ? stringify(document) : undefined;
parentPort.postMessage(
  text
    ? { ok: true, text }
    : { ok: false, errors: diagnostics.filter((d) => d.severity === 0).map((d) => d.message) },
);
