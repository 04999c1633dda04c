// The browser side of the AsyncAPI page: fetches the document the host parsed (validated and with
// its $refs resolved by the official parser, in Node) and renders it with AsyncAPI's own React
// component, in its parser-less form: the parser validates with generated code (eval), which the
// page's Content-Security-Policy forbids.
import { AsyncApiComponentWP } from "@asyncapi/react-component";
import "@asyncapi/react-component/styles/default.min.css";
import "./page.css";
import { createRoot } from "react-dom/client";

const root = document.getElementById("root")!;
const url = root.dataset.spec ?? "/docs/document.json";
const res = await fetch(url);
if (res.ok) {
  const text = await res.text();
  createRoot(root).render(
    <AsyncApiComponentWP
      schema={text}
      config={{ show: { sidebar: true, messageExamples: true }, expand: { messageExamples: true } }}
    />,
  );
} else {
  root.textContent = `Could not load ${url}: HTTP ${res.status}`;
}
