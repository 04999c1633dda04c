// Starts a real OpenID Connect provider for tests: the `oidc-provider` package (the certified
// Node implementation) on 127.0.0.1 at a random port, in this process, with its development
// login and consent pages (any login name signs in; its claims come from `accounts`). Codes
// expire after `codeTtlS()` seconds, so a spec can make one expire. Fails with an install hint
// when the package is missing (tests never skip).
import type { Server } from "node:http";
import { freePort } from "./process.ts";

export type OidcAccount = { email?: string; name?: string; groups?: string[] };

export type OidcProviderHandle = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims per login name; edit between logins (groups change, say). */
  accounts: Map<string, OidcAccount>;
  /** Authorization code lifetime in seconds for codes issued from now on. */
  setCodeTtl(seconds: number): void;
  close(): Promise<void>;
};

export class MissingOidcProviderError extends Error {
  constructor(cause: unknown) {
    super(
      "The oidc-provider npm package cannot be loaded. Install it with: " +
        "npm install --no-audit --no-fund -D oidc-provider@~9.13.3 -w @pulseboard/test-support " +
        `(npm ci installs it). Cause: ${(cause as Error).message}`,
    );
    this.name = "MissingOidcProviderError";
  }
}

type ProviderCtor = new (
  issuer: string,
  config: Record<string, unknown>,
) => { listen(port: number, host: string, cb: () => void): Server; proxy?: boolean };

/** `port`: listen there (chosen in advance when the relying party must know the issuer first). */
export async function startOidcProvider(opts: {
  redirectUris: string[];
  port?: number;
}): Promise<OidcProviderHandle> {
  let Provider: ProviderCtor;
  try {
    // Loaded on demand: the other test-support starters should not pay for Koa and jose.
    Provider = (await import("oidc-provider")).default as unknown as ProviderCtor;
  } catch (err) {
    throw new MissingOidcProviderError(err);
  }
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "pulseboard";
  const clientSecret = "pulseboard-test-secret-0123456789";
  const accounts = new Map<string, OidcAccount>();
  let codeTtlS = 60;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        // RP-initiated logout comes back to the relying party's login page.
        post_logout_redirect_uris: opts.redirectUris.map((u) => new URL("/login", u).href),
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    // PKCE for every client, not only public ones: the relying party must send it.
    pkce: { required: () => true },
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email"],
      groups: ["groups"],
    },
    scopes: ["openid", "profile", "email", "groups", "offline_access"],
    async findAccount(_ctx: unknown, sub: string) {
      return {
        accountId: sub,
        async claims() {
          const a = accounts.get(sub) ?? {};
          return {
            sub,
            preferred_username: sub,
            name: a.name ?? sub,
            email: a.email ?? `${sub}@example.test`,
            groups: a.groups ?? [],
          };
        },
      };
    },
    // All lifetimes named (the provider logs a notice for each one left to its default).
    ttl: {
      AuthorizationCode: () => codeTtlS,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    setCodeTtl(seconds) {
      codeTtlS = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
