// Owns the small HTML page a refused single sign-on answers with: the browser arrived by a
// redirect, so it gets a readable page (not JSON) that says why and links back to the login.
import type { FastifyReply } from "fastify";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function refusalPage(reply: FastifyReply, status: number, reason: string) {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
    .send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed · Pulseboard</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>
<body>
<h1>Sign-in failed</h1>
<p role="alert" data-testid="sso-error">${escapeHtml(reason)}</p>
<p><a href="/login">Back to sign-in</a></p>
</body>
</html>
`);
}
