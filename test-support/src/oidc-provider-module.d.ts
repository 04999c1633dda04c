// oidc-provider ships no types; the one starter that loads it (oidc-provider.ts) narrows its export.
declare module "oidc-provider" {
  const Provider: unknown;
  export default Provider;
}
