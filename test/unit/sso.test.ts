/**
 * Single sign-on's pure parts: the OIDC_ settings (all or nothing, each missing one named) and
 * who an identity is from its claims. The flow itself, against a real provider in a real browser,
 * is test/web/sso.test.ts.
 */
import { ConfigError, loadConfig } from '../../lib/config';
import { decodeTransaction, encodeTransaction } from '../../api/web/oidc';
import { ssoIdentity } from '../../api/web/sso-identity';
import { redactUrl } from '../../lib/logger';

const SET = {
  OIDC_ISSUER: 'https://login.example.org/tenant/v2.0',
  OIDC_CLIENT_ID: 'actions-board',
  OIDC_CLIENT_SECRET: 'a-client-secret-value',
  OIDC_AGENCY_DOMAINS: 'bscb.example=BSCB, TVP.example=TVP ,board.example',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig('embedded', env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('OIDC settings', () => {
  it('are off when none is set', () => {
    expect(loadConfig('embedded', {}).oidc).toBeUndefined();
  });

  it('parse the domain map, lower-casing domains and keeping agency codes', () => {
    expect(loadConfig('embedded', { ...SET, OIDC_CREATE_USERS: 'true' }).oidc).toEqual({
      issuer: SET.OIDC_ISSUER,
      clientId: 'actions-board',
      clientSecret: 'a-client-secret-value',
      providerName: 'login.example.org',
      domains: { 'bscb.example': 'BSCB', 'tvp.example': 'TVP', 'board.example': null },
      agencyClaim: undefined,
      createUsers: true,
    });
  });

  it.each(['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_AGENCY_DOMAINS'])(
    'name %s when it alone is missing',
    (missing) => {
      const found = problems({ ...SET, [missing]: undefined });
      expect(found).toEqual([expect.stringMatching(new RegExp(`^${missing}: required when single sign-on`))]);
    },
  );

  it('take a claim instead of the domain map', () => {
    const c = loadConfig('embedded', { ...SET, OIDC_AGENCY_DOMAINS: undefined, OIDC_AGENCY_CLAIM: 'agency' });
    expect(c.oidc).toMatchObject({ domains: {}, agencyClaim: 'agency' });
  });

  it('refuse http:// except to this machine, and never show the secret', () => {
    expect(problems({ ...SET, OIDC_ISSUER: 'http://login.example.org' })).toEqual([
      expect.stringMatching(/^OIDC_ISSUER: expected an https:\/\/ URL/),
    ]);
    expect(problems({ ...SET, OIDC_ISSUER: 'http://127.0.0.1:4000' })).toEqual([]);
    const p = problems({ ...SET, OIDC_CLIENT_SECRET: 'x'.repeat(2001) });
    expect(p).toEqual([expect.stringMatching(/^OIDC_CLIENT_SECRET: /)]);
    expect(p[0]).not.toContain('xxxx');
  });

  it('refuse a bad domain map entry', () => {
    expect(problems({ ...SET, OIDC_AGENCY_DOMAINS: 'bscb.example=BSCB=X' })).toEqual([
      expect.stringMatching(/^OIDC_AGENCY_DOMAINS: expected domain=AGENCY_CODE/),
    ]);
    expect(problems({ ...SET, OIDC_AGENCY_DOMAINS: ' , ' })).toEqual([
      expect.stringMatching(/^OIDC_AGENCY_DOMAINS: expected at least one domain/),
    ]);
  });
});

describe('who an identity is', () => {
  const settings = { domains: { 'bscb.example': 'BSCB', 'board.example': null }, agencyClaim: 'agency' };

  it('a verified address of a mapped domain, with its agency', () => {
    expect(ssoIdentity({ email: 'Lead@BSCB.example', email_verified: true, name: 'Lee' }, settings)).toEqual({
      ok: true,
      identity: { email: 'lead@bscb.example', name: 'Lee', agencyCode: 'BSCB' },
    });
    expect(ssoIdentity({ email: 'bm@board.example', email_verified: true }, settings)).toEqual({
      ok: true,
      identity: { email: 'bm@board.example', name: null, agencyCode: null },
    });
  });

  it('the claim before the domain', () => {
    expect(ssoIdentity({ email: 'a@elsewhere.example', email_verified: true, agency: 'TVP' }, settings)).toMatchObject({
      ok: true,
      identity: { agencyCode: 'TVP' },
    });
  });

  it('refuses an address not verified as true, an unmapped domain, and no address', () => {
    for (const email_verified of [false, 'true', undefined])
      expect(ssoIdentity({ email: 'lead@bscb.example', email_verified }, settings)).toEqual({
        ok: false,
        reason: 'unverified_email',
        email: 'lead@bscb.example',
      });
    expect(ssoIdentity({ email: 'x@bscb.example.evil', email_verified: true }, settings)).toEqual({
      ok: false,
      reason: 'unmapped_domain',
      email: 'x@bscb.example.evil',
      domain: 'bscb.example.evil',
    });
    // A domain in the map's prototype is not a mapped domain.
    expect(ssoIdentity({ email: 'x@constructor', email_verified: true }, settings)).toMatchObject({ ok: false });
    expect(ssoIdentity({ email_verified: true }, settings)).toEqual({ ok: false, reason: 'no_email' });
  });
});

describe('the transaction cookie', () => {
  it('round-trips and refuses anything else', () => {
    const t = { state: 'a'.repeat(43), nonce: 'b'.repeat(43), verifier: 'c'.repeat(43) };
    expect(decodeTransaction(encodeTransaction(t))).toEqual(t);
    expect(decodeTransaction(undefined)).toBeNull();
    expect(decodeTransaction(`${t.state}.${t.nonce}`)).toBeNull();
    expect(decodeTransaction(`${t.state}.${t.nonce}.${t.verifier}.x`)).toBeNull();
    expect(decodeTransaction(`${t.state}.${t.nonce}.short`)).toBeNull();
  });
});

describe('request logs', () => {
  it("keep the callback's path and lose its code and state; a link's token still goes", () => {
    expect(redactUrl('/signin/sso/callback?code=abc&state=def&iss=x')).toBe('/signin/sso/callback?[redacted]');
    expect(redactUrl('/signin/sso')).toBe('/signin/sso');
    expect(redactUrl('/signin/abcdefghijklmnopqrstuvwxyz')).toBe('/signin/[redacted]');
  });
});
