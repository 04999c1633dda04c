// Owns which names this server answers to (DNS rebinding defence) and which browser Origins may
// open WebSockets with a visitor's cookie. A rebinding page controls the Host header, so neither
// check ever compares with it: both compare with the allowed-hosts list from the configuration
// (PULSEBOARD_ALLOWED_HOSTS; else the public URL; else, bound to loopback, the loopback names;
// bound elsewhere, the loopback names, the machine's host name and IP literals, which no
// rebinding page can send). The Host check ignores ports (proxies rewrite them); an Origin must
// also carry the right port: the public URL's, or the listening port for the built-in names,
// so another local web app (http://localhost:3000) cannot use the cookie either.
import { isIP } from "node:net";
import { hostname as machineName } from "node:os";

type Rule = { hostname: string; port: "any" | "server" | number };

export type HostPolicy = {
  /** True when a request's Host header names this server. */
  hostAllowed(host: string | undefined): boolean;
  /** True when a browser Origin may use this server's cookies on a WebSocket. */
  originAllowed(origin: string): boolean;
  /** For the log line at start-up. */
  describe(): string;
};

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

export function isLoopback(bindHost: string): boolean {
  return bindHost === "localhost" || bindHost === "::1" || /^127\./.test(bindHost);
}

/** `example.org`, `example.org:8443`, `[::1]:80` → hostname (lowercase, brackets kept) + port. */
function split(host: string): { hostname: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/i.exec(host.trim());
  if (!m?.[1]) return undefined;
  return { hostname: m[1].toLowerCase().replace(/\.$/, ""), port: m[2] ? Number(m[2]) : undefined };
}

function ruleOf(entry: string, port: Rule["port"]): Rule | undefined {
  const parts = split(entry);
  if (!parts) return undefined;
  return { hostname: parts.hostname, port: parts.port ?? port };
}

export type HostPolicyOptions = {
  allowedHosts: string[];
  publicUrl: string | undefined;
  /** Extra exact Origins (PULSEBOARD_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  bindHost: string;
  /** The port the server listens on (known after listen). */
  serverPort: () => number | undefined;
};

export function hostPolicy(o: HostPolicyOptions): HostPolicy {
  const rules: Rule[] = [];
  let ipLiterals = false;
  if (o.allowedHosts.length > 0) {
    for (const entry of o.allowedHosts) {
      const rule = ruleOf(entry, "any");
      if (!rule) throw new Error(`PULSEBOARD_ALLOWED_HOSTS: "${entry}" is not a host name`);
      rules.push(rule);
    }
  } else if (o.publicUrl) {
    const url = new URL(o.publicUrl);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    rules.push({ hostname: url.hostname.toLowerCase(), port });
  } else {
    for (const name of LOOPBACK_NAMES) rules.push({ hostname: name, port: "server" });
    if (!isLoopback(o.bindHost)) {
      rules.push({ hostname: machineName().toLowerCase(), port: "server" });
      ipLiterals = true;
    }
  }
  const extraOrigins = new Set(o.allowedOrigins);

  function matches(hostname: string, port: number | undefined, checkPort: boolean): boolean {
    const bare = hostname.replace(/^\[|\]$/g, "");
    const ok = (rule: Rule) => {
      if (rule.hostname !== hostname) return false;
      if (!checkPort || rule.port === "any") return true;
      return port === (rule.port === "server" ? o.serverPort() : rule.port);
    };
    if (rules.some(ok)) return true;
    if (ipLiterals && isIP(bare) !== 0) return !checkPort || port === o.serverPort();
    return false;
  }

  return {
    hostAllowed(host) {
      const parts = host === undefined ? undefined : split(host);
      return parts !== undefined && matches(parts.hostname, parts.port, false);
    },
    originAllowed(origin) {
      if (extraOrigins.has(origin)) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false; // "null" or garbage
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") return false;
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      return matches(url.hostname.toLowerCase(), port, true);
    },
    describe() {
      const names = rules.map((r) => r.hostname);
      if (ipLiterals) names.push("any IP address");
      return names.join(", ");
    },
  };
}
