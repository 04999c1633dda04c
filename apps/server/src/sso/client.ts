// Owns the OpenID Connect relying party, on `openid-client`: discovery of the provider (read
// once, again after a failure), the authorization request (code flow with PKCE S256, state and
// nonce), and turning the provider's answer at the callback into verified claims (the code
// redeemed once at the token endpoint, the ID token's signature, issuer, audience, expiry and
// nonce checked, then the userinfo claims added).
import * as oidc from "openid-client";
import type { OidcSettings } from "../config/config.ts";

/** What the browser carries between the redirect to the provider and the callback. */
export type Transaction = {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Set when a signed-in user links their account: that user's id (the callback checks it). */
  link?: number;
};

export type VerifiedLogin = { issuer: string; subject: string; claims: Record<string, unknown> };

/** A sign-in the provider or its answer refused; `status` is what the browser is answered. */
export class SsoError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 502 = 400,
    /** Already in the audit log (with the user it concerns). */
    readonly audited = false,
  ) {
    super(message);
    this.name = "SsoError";
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export class OidcClient {
  #config: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    readonly redirectUrl: string,
  ) {}

  /** The provider's configuration, discovered on first use; a failed discovery is retried next time. */
  configuration(): Promise<oidc.Configuration> {
    this.#config ??= this.#discover().catch((err: unknown) => {
      this.#config = undefined;
      throw new SsoError(`The sign-in provider cannot be reached: ${(err as Error).message}`, 502);
    });
    return this.#config;
  }

  async #discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    const auth = this.settings.clientSecret
      ? oidc.ClientSecretBasic(this.settings.clientSecret)
      : oidc.None();
    // Plain http only to a provider on this machine (tests, a local IdP); anything else needs TLS.
    const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
    return oidc.discovery(
      issuer,
      this.settings.clientId,
      undefined,
      auth,
      insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
  }

  /** Where to send the browser, and the transaction to keep until it comes back. */
  async begin(next: string, link?: number): Promise<{ url: URL; transaction: Transaction }> {
    const config = await this.configuration();
    const transaction: Transaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      next,
      ...(link !== undefined ? { link } : {}),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUrl,
      scope: this.settings.scopes,
      response_type: "code",
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: "S256",
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /**
   * The provider's end-session URL (RP-initiated logout) coming back to `postLogout`, or
   * undefined when the provider has no end-session endpoint.
   */
  async endSessionUrl(postLogout: string): Promise<URL | undefined> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: postLogout });
  }

  /** Verifies the callback's answer against the transaction and redeems the code. */
  async finish(query: URLSearchParams, transaction: Transaction): Promise<VerifiedLogin> {
    const config = await this.configuration();
    // The redirect URL as registered, with the provider's parameters: behind a proxy the URL this
    // node saw differs, and the token request must name exactly the registered one.
    const current = new URL(this.redirectUrl);
    current.search = query.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new SsoError(describe(err));
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoError("The provider sent no ID token");
    let userinfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint)
      try {
        userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (err) {
        throw new SsoError(`The provider's userinfo answer was refused: ${describe(err)}`, 502);
      }
    return {
      issuer: idClaims.iss,
      subject: idClaims.sub,
      // The ID token's claims win: they are signed for this login.
      claims: { ...userinfo, ...idClaims },
    };
  }
}

/** openid-client's errors as a sentence for the error page (codes as the provider said them). */
function describe(err: unknown): string {
  if (err instanceof oidc.ResponseBodyError)
    return `the provider refused the sign-in code (${err.error}${err.error_description ? `: ${err.error_description}` : ""}); it may have expired or been used already`;
  if (err instanceof oidc.AuthorizationResponseError)
    return `the provider answered ${err.error}${err.error_description ? `: ${err.error_description}` : ""}`;
  return (err as Error).message;
}
