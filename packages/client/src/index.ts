// Public entry of the Pulseboard client SDK.
export * from "./protocol.ts";
