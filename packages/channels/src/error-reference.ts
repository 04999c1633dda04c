// Owns the error reference page: docs/ERRORS.md is this rendering of the error table
// (error-codes.ts), written by `npm run docs:errors`; a spec fails when the file is stale, so the
// page cannot drift from the codes the code raises.
import { type ErrorSpec, errorCodes } from "./error-codes.ts";

const SECTIONS: Array<{ by: ErrorSpec["by"]; title: string; intro: string }> = [
  {
    by: "framework",
    title: "WebSocket framework (and both transports)",
    intro: "Raised by `@pulseboard/channels`; the first ones are thrown by REST routes too.",
  },
  { by: "server", title: "Server", intro: "Raised by the Pulseboard server." },
  {
    by: "sdk",
    title: "SDK",
    intro: "Raised inside `@pulseboard/client` (the `code` of its error classes); never on the wire.",
  },
  {
    by: "collector",
    title: "Collectors",
    intro: "Reported by the built-in collectors through `onError` and logged; never an answer to a request.",
  },
];

function websocket(code: string, spec: ErrorSpec): string {
  const frame = code === "PB_ERR_VALIDATION" ? "`error` `[{type, loc, msg}]`" : "`error` `{detail}`";
  switch (spec.ws) {
    case "authentication":
      return `handshake: \`authentication\` ${spec.status}, close ${spec.close}; later: ${frame}`;
    case "close":
      return `close ${spec.close}`;
    case "error":
      return `${frame}, connection stays`;
    default:
      return spec.close === null ? "—" : `after close ${spec.close}`;
  }
}

/** The Markdown of docs/ERRORS.md. */
export function renderErrorReference(): string {
  const lines = [
    "# Error reference",
    "",
    "<!-- Generated from packages/channels/src/error-codes.ts by `npm run docs:errors`; do not edit. -->",
    "",
    "Every error Pulseboard reports has a stable `PB_ERR_*` code from one table",
    "(`@pulseboard/channels/error-codes`, re-exported by `@pulseboard/protocol/rest`).",
    "",
    '- REST: the HTTP status below and `{"error": {"code", "message", "details"?}}`; `details` is',
    "  `[{type, loc, msg}]` for `PB_ERR_VALIDATION`.",
    '- WebSocket: `{"action": "error", "payload": ...}` answers a frame and the connection stays open;',
    "  a refused handshake gets `authentication` `{status_code, status_text, data: {detail}}` and then",
    "  the close code; a few errors end an open connection with their close code. The code itself is",
    "  not in WebSocket frames (DESIGN.md keeps them exact); it is logged and names the class.",
  ];
  for (const section of SECTIONS) {
    lines.push("", `## ${section.title}`, "", section.intro, "");
    lines.push("| code | HTTP | WebSocket | meaning |", "|---|---|---|---|");
    for (const [code, spec] of Object.entries(errorCodes) as Array<[string, ErrorSpec]>) {
      if (spec.by !== section.by) continue;
      const http =
        spec.status === null || (!spec.rest && spec.ws !== "authentication") ? "—" : String(spec.status);
      lines.push(`| \`${code}\` | ${http} | ${websocket(code, spec)} | ${spec.summary} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}
