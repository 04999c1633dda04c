// Owns where the login page sends people afterwards: only a path of this site. Checked by
// resolving it as the browser will (which turns `/\evil.example/` into `//evil.example/`, another
// site: history.pushState would throw), so no spelling of another origin gets through.

export function safeNext(search: string, origin: string): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  // Control characters (tabs and newlines are dropped by URL parsing) and backslashes are never
  // part of a path we produce ourselves.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is exactly what is refused
  if (!next.startsWith("/") || /[\u0000-\u001f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin || url.pathname.startsWith("/login")) return "/";
  return url.pathname + url.search + url.hash;
}
