/**
 * Who an OpenID Connect identity is here, decided from its claims alone (pure, unit-tested): the
 * verified e-mail address and the agency the settings map it to, or the reason it is refused.
 */
import type { OidcConfig } from '../../lib/oidc-config';

export type SsoRefusal =
  | { reason: 'no_email' }
  | { reason: 'unverified_email'; email: string }
  | { reason: 'unmapped_domain'; email: string; domain: string };

export type SsoIdentity = {
  email: string;
  name: string | null;
  /** The agency the mapping gives (claim first, then domain); null: a domain for existing users only. */
  agencyCode: string | null;
};

const EMAIL = /^[^\s@]{1,200}@([^\s@]{1,253})$/;

export function ssoIdentity(
  claims: Record<string, unknown>,
  settings: Pick<OidcConfig, 'domains' | 'agencyClaim'>,
): { ok: true; identity: SsoIdentity } | ({ ok: false } & SsoRefusal) {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  const m = EMAIL.exec(email);
  if (!m) return { ok: false, reason: 'no_email' };
  // Only `true` counts: a provider that says nothing about the address has not verified it.
  if (claims.email_verified !== true) return { ok: false, reason: 'unverified_email', email };
  const domain = m[1];
  const claimed = settings.agencyClaim ? claims[settings.agencyClaim] : undefined;
  const claimCode = typeof claimed === 'string' && claimed.trim() !== '' ? claimed.trim() : null;
  const domainMapped = Object.prototype.hasOwnProperty.call(settings.domains, domain);
  if (!claimCode && !domainMapped) return { ok: false, reason: 'unmapped_domain', email, domain };
  const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim().slice(0, 200) : null;
  return { ok: true, identity: { email, name, agencyCode: claimCode ?? settings.domains[domain] ?? null } };
}
