/**
 * Single sign-on with OpenID Connect (`openid-client`): the authorization code flow with PKCE,
 * state and nonce. The three one-time values live in an HttpOnly cookie of the browser that
 * started (bound to it: a callback in any other browser has no matching state); the provider's
 * answer is checked by openid-client (state, issuer, audience, signature, nonce, expiry), the
 * person is then matched by verified e-mail to a user (api/web/sso-identity.ts decides from the
 * claims; this file does the I/O). The session made is the e-mailed link's own.
 */
import type * as OpenIdClient from 'openid-client';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import { requireEsm } from '../../lib/esm';
import type { OidcConfig } from '../../lib/oidc-config';
import { createUser } from '../use-cases/people';
import { maySignInAs } from './sign-in';
import { ssoIdentity, type SsoRefusal } from './sso-identity';

// openid-client is an ES module, loaded only when single sign-on is configured.
let loaded: typeof OpenIdClient | undefined;
const openid = (): typeof OpenIdClient => (loaded ??= requireEsm<typeof OpenIdClient>('openid-client'));

export const OIDC_TX_COOKIE = 'ap_oidc';
/** Time to sign in at the provider before the started attempt is forgotten. */
export const OIDC_TX_TTL_MS = 10 * 60 * 1000;
const TX_FORMAT = /^[A-Za-z0-9_-]{20,200}$/;

export interface OidcTransaction {
  state: string;
  nonce: string;
  verifier: string;
}

export type SsoOutcome =
  | { ok: true; userId: string; idToken: string; created: boolean }
  | {
      ok: false;
      refusal:
        | SsoRefusal
        | { reason: 'no_transaction' }
        | { reason: 'state_mismatch' }
        | { reason: 'provider_error'; error: string; description?: string }
        | { reason: 'code_refused'; error: string }
        | { reason: 'id_token_expired' }
        | { reason: 'id_token_invalid'; detail: string }
        | { reason: 'no_account'; email: string }
        | { reason: 'unknown_agency'; email: string; agencyCode: string };
    };

export const encodeTransaction = (t: OidcTransaction): string => `${t.state}.${t.nonce}.${t.verifier}`;

export function decodeTransaction(v: string | undefined): OidcTransaction | null {
  if (!v) return null;
  const [state, nonce, verifier, ...rest] = v.split('.');
  if (rest.length || ![state, nonce, verifier].every((p) => p !== undefined && TX_FORMAT.test(p))) return null;
  return { state, nonce, verifier };
}

export class OidcRelyingParty {
  private discovered: Promise<OpenIdClient.Configuration> | undefined;

  constructor(
    readonly settings: OidcConfig,
    private readonly publicUrl: string,
  ) {}

  get redirectUri(): string {
    return `${this.publicUrl}/signin/sso/callback`;
  }

  /** Discovery once, kept; a failure is not kept, so the next sign-in tries again. */
  configuration(): Promise<OpenIdClient.Configuration> {
    if (!this.discovered) {
      const client = openid();
      const issuer = new URL(this.settings.issuer);
      this.discovered = client
        .discovery(
          issuer,
          this.settings.clientId,
          this.settings.clientSecret,
          undefined,
          // The settings allow http:// only for a provider on this machine (lib/oidc-config.ts).
          issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((err: unknown) => {
          this.discovered = undefined;
          throw err;
        });
    }
    return this.discovered;
  }

  /** Where to send the browser, and the values its cookie must carry back. */
  async start(): Promise<{ url: string; transaction: OidcTransaction }> {
    const client = openid();
    const config = await this.configuration();
    const transaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url: url.href, transaction };
  }

  /**
   * The provider's answer checked and turned into a user of ours, or the reason it is refused.
   * `callbackUrl` is the URL the browser was sent back to, query string included.
   */
  async finish(
    db: Db,
    callbackUrl: URL,
    transaction: OidcTransaction | null,
    opts: { tokenTtlDays: number },
  ): Promise<SsoOutcome> {
    const client = openid();
    if (!transaction) return { ok: false, refusal: { reason: 'no_transaction' } };
    const config = await this.configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      return { ok: false, refusal: classify(client, err) };
    }
    const idClaims = tokens.claims();
    const idToken = tokens.id_token;
    if (!idClaims || !idToken) return { ok: false, refusal: { reason: 'id_token_invalid', detail: 'no ID token' } };
    let claims: Record<string, unknown> = { ...idClaims };
    // Many providers put the e-mail only in userinfo; its subject must be the ID token's.
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint) {
      try {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...claims };
      } catch (err) {
        return { ok: false, refusal: { reason: 'id_token_invalid', detail: `userinfo: ${errorCode(err)}` } };
      }
    }
    const decided = ssoIdentity(claims, this.settings);
    if (!decided.ok) {
      const { ok: _ok, ...refusal } = decided;
      return { ok: false, refusal };
    }
    const { email, name, agencyCode } = decided.identity;
    const [user] = await db.select({ id: users.id }).from(users).where(maySignInAs(email)).limit(1);
    if (user) return { ok: true, userId: user.id, idToken, created: false };
    if (!this.settings.createUsers || !agencyCode) return { ok: false, refusal: { reason: 'no_account', email } };
    // A deactivated account keeps its address: createUser refuses it (conflict), and so do we.
    try {
      const created = await createUser(
        db,
        { name: name ?? email.split('@')[0], email, role: 'agency', agencyCode },
        { actor: `oidc:${new URL(this.settings.issuer).host}`, tokenTtlDays: opts.tokenTtlDays },
      );
      return { ok: true, userId: created.user.id, idToken, created: true };
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind === 'validation') return { ok: false, refusal: { reason: 'unknown_agency', email, agencyCode } };
      if (kind === 'conflict') return { ok: false, refusal: { reason: 'no_account', email } };
      throw err;
    }
  }

  /** The provider's end-session URL when it has one, back to the sign-in page afterwards. */
  async endSessionUrl(idToken: string): Promise<string | null> {
    let config: OpenIdClient.Configuration;
    try {
      config = await this.configuration();
    } catch {
      return null; // The local session is ended either way.
    }
    if (!config.serverMetadata().end_session_endpoint) return null;
    return openid().buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: `${this.publicUrl}/signin`,
    }).href;
  }
}

const errorCode = (err: unknown): string =>
  String((err as { code?: unknown }).code ?? (err as Error).name ?? 'error').slice(0, 100);

function classify(client: typeof OpenIdClient, err: unknown): Exclude<SsoOutcome, { ok: true }>['refusal'] {
  if (err instanceof client.AuthorizationResponseError)
    return { reason: 'provider_error', error: err.error, description: err.error_description };
  if (err instanceof client.ResponseBodyError) return { reason: 'code_refused', error: err.error };
  // openid-client wraps oauth4webapi's error, whose message and details say which check failed.
  type Failure = { code?: string; message?: string; cause?: Failure & { claim?: string } };
  const code = (err as Failure).code;
  const inner = (err as Failure).cause ?? {};
  const message = `${String((err as Failure).message ?? '')} ${String(inner.message ?? '')}`;
  if (code === 'OAUTH_INVALID_RESPONSE' && /"state"/.test(message)) return { reason: 'state_mismatch' };
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' && (inner.cause?.claim === 'exp' || /"exp"/.test(message)))
    return { reason: 'id_token_expired' };
  // Not `instanceof Error`: the library's errors may come from another realm (a test runner's sandbox).
  if (typeof code === 'string' && code)
    return { reason: 'id_token_invalid', detail: `${code}: ${message.slice(0, 200)}` };
  throw err;
}
