/**
 * A real OpenID Connect provider for the browser tests: `oidc-provider` on a local port, as a
 * process of its own (test/web/oidc-provider.ts starts it: in jest's sandbox the library refuses
 * configuration objects made in another realm), with its own login page (any password; the login names the account), PKCE required
 * and RP-initiated logout. Accounts are the table below. One login, `expired`, gets an ID token
 * that is validly signed with the provider's key but expired an hour ago, as from a provider whose
 * clock is wrong: the only way a real provider hands one to a client within its clock tolerance.
 */
import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';
import http from 'node:http';
import { requireEsm } from '../../lib/esm';

/** The little of oidc-provider's API used here (it ships no types). */
interface KoaContext {
  path: string;
  body: unknown;
  oidc: {
    provider: { Grant: new (o: { clientId: string; accountId: string }) => ProviderGrant };
    client?: { clientId: string };
    session?: { accountId?: string };
  };
}
interface ProviderGrant {
  addOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface ProviderInstance {
  use(fn: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  callback(): http.RequestListener;
}
const { Provider } = requireEsm<{
  Provider: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
}>('oidc-provider');

import { CLIENT_ID, CLIENT_SECRET } from './oidc-provider';

/** Login → the claims the provider vouches for. */
const ACCOUNTS: Record<string, { email: string; email_verified: boolean; name: string }> = {
  'lead@bscb.example': { email: 'lead@bscb.example', email_verified: true, name: 'BSCB Safeguarding Lead' },
  'new.person@tvp.example': { email: 'New.Person@tvp.example', email_verified: true, name: 'New Person' },
  'unverified@bscb.example': { email: 'lead@bscb.example', email_verified: false, name: 'Not Verified' },
  'someone@elsewhere.example': { email: 'someone@elsewhere.example', email_verified: true, name: 'Someone' },
  'newcomer@board.example': { email: 'newcomer@board.example', email_verified: true, name: 'Newcomer' },
  expired: { email: 'lead@bscb.example', email_verified: true, name: 'Expired Token' },
};

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function main(siteUrl: string): Promise<void> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const signingKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${siteUrl}/signin/sso/callback`],
        post_logout_redirect_uris: [`${siteUrl}/signin`],
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['cookie-key-of-the-test-provider'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { IdToken: 3600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...(ACCOUNTS[id] ?? { email: id, email_verified: false, name: id }) }),
    }),
    // An organisation's own provider has consented for its staff: no consent page.
    async loadExistingGrant(ctx: KoaContext) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  // The ID token of `expired`, re-signed by the provider's own key with its times an hour back.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path !== '/token' || !body?.id_token) return;
    const [h, p] = body.id_token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    if (payload.sub !== 'expired') return;
    const now = Math.floor(Date.now() / 1000);
    const input = `${h}.${b64url({ ...payload, iat: now - 7200, exp: now - 3600 })}`;
    body.id_token = `${input}.${sign('sha256', Buffer.from(input), signingKey).toString('base64url')}`;
  });
  server.on('request', provider.callback());

  // The parent reads the address from this line.
  process.stdout.write(`ISSUER ${issuer}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
