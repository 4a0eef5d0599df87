/**
 * Loads an ES-module-only package (openid-client, oidc-provider) from this CommonJS code base,
 * through Node's own require (ES modules load there since Node 20.19). Taken from
 * process.getBuiltinModule, not an import of node:module, because jest replaces that module's
 * createRequire with its own, which cannot load ES modules.
 */
export function requireEsm<T>(specifier: string): T {
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  return createRequire(__filename)(specifier) as T;
}
