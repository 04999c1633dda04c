// Re-exported from @pulseboard/protocol/rest, where the wire contract lives (the server imports it from
// there); kept so that the SDK's public API and its subpaths stay as they were.
export * from "@pulseboard/protocol/rest";
