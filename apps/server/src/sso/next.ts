// Owns where a single sign-on sends people afterwards: a path of this site only (the same
// rule as the web UI's apps/web/src/app/next.ts), so `next` cannot turn the login into an open
// redirect.
export function localPath(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//")) return "/";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
  if (/[\u0000-\u001f\\]/.test(next) || next.length > 2000) return "/";
  const url = new URL(next, "http://pulseboard.invalid");
  if (url.origin !== "http://pulseboard.invalid" || url.pathname.startsWith("/login")) return "/";
  return url.pathname + url.search + url.hash;
}
