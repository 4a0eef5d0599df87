/**
 * The settings of single sign-on with OpenID Connect (optional, next to the e-mailed link). Part
 * of the one environment schema in lib/config.ts; kept here so the sign-in rules read in one place.
 */
import { z } from 'zod';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(t: T) => z.preprocess(emptyToUndefined, t.optional());

const isLoopbackHostname = (h: string) => h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);

/** A domain, lower case, as it follows the @ of an e-mail address. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** An agency code as the agencies table holds it (the demo's are BSCB, TVP, …). */
const AGENCY_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/**
 * `bscb.example=BSCB,tvp.example=TVP,board.example`: each domain the provider is trusted for,
 * with the agency its people belong to; a domain with no agency (the board's) only matches
 * existing users. A domain not listed is refused, even when its address matches a user.
 */
const domainMap = z.string().transform((v, ctx) => {
  const map: Record<string, string | null> = {};
  for (const raw of v.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [domain, code, ...rest] = entry.split('=').map((p) => p.trim());
    if (!DOMAIN.test(domain.toLowerCase()) || rest.length || (code !== undefined && !AGENCY_CODE.test(code))) {
      ctx.addIssue({
        code: 'custom',
        message: `expected domain=AGENCY_CODE or domain, separated by commas (bad entry "${entry.slice(0, 80)}")`,
      });
      return z.NEVER;
    }
    map[domain.toLowerCase()] = code ?? null;
  }
  if (!Object.keys(map).length) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one domain' });
    return z.NEVER;
  }
  return map;
});

export const OIDC_ENV = {
  /** The provider's issuer URL; its /.well-known/openid-configuration is read at start. */
  OIDC_ISSUER: optional(
    z.string().refine((v) => {
      try {
        const u = new URL(v);
        // Plain http only to this machine: a test provider, or a trial next to `npm start`.
        return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHostname(u.hostname));
      } catch {
        return false;
      }
    }, 'expected an https:// URL (http:// only for localhost)'),
  ),
  OIDC_CLIENT_ID: optional(z.string().min(1).max(500)),
  OIDC_CLIENT_SECRET: optional(z.string().min(1).max(2000)),
  /** Shown on the sign-in button: "Sign in with <name>". */
  OIDC_PROVIDER_NAME: optional(z.string().min(1).max(60)),
  OIDC_AGENCY_DOMAINS: optional(domainMap),
  /** A claim whose value is an agency code; used before the domain map when present. */
  OIDC_AGENCY_CLAIM: optional(z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected a claim name')),
  /** Just-in-time accounts: a verified address of a domain mapped to an agency gets an `agency` user. */
  OIDC_CREATE_USERS: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .optional()
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ),
};

type OidcEnv = z.infer<z.ZodObject<typeof OIDC_ENV>>;

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  providerName: string;
  /** Lower-case domain → agency code, or null for a domain trusted for existing users only. */
  domains: Record<string, string | null>;
  agencyClaim?: string;
  createUsers: boolean;
}

/**
 * The single sign-on settings, or undefined when none is set. A partial set is a mistake (a
 * button that cannot work, or a provider trusted for every address): each missing piece is
 * added to `problems`, named, so the process stops with exit 78 like any other bad setting.
 */
export function oidcSettings(e: OidcEnv, problems: string[]): OidcConfig | undefined {
  const anySet =
    e.OIDC_ISSUER !== undefined ||
    e.OIDC_CLIENT_ID !== undefined ||
    e.OIDC_CLIENT_SECRET !== undefined ||
    e.OIDC_PROVIDER_NAME !== undefined ||
    e.OIDC_AGENCY_DOMAINS !== undefined ||
    e.OIDC_AGENCY_CLAIM !== undefined ||
    e.OIDC_CREATE_USERS;
  if (!anySet) return undefined;
  const before = problems.length;
  const why = 'single sign-on is configured (an OIDC_ setting is set)';
  if (!e.OIDC_ISSUER) problems.push(`OIDC_ISSUER: required when ${why}: the provider's issuer URL`);
  if (!e.OIDC_CLIENT_ID) problems.push(`OIDC_CLIENT_ID: required when ${why}: this site's client id at the provider`);
  if (!e.OIDC_CLIENT_SECRET)
    problems.push(`OIDC_CLIENT_SECRET: required when ${why}: this site's client secret at the provider`);
  if (!e.OIDC_AGENCY_DOMAINS && !e.OIDC_AGENCY_CLAIM)
    problems.push(
      `OIDC_AGENCY_DOMAINS: required when ${why} and OIDC_AGENCY_CLAIM is not set: the e-mail domains the provider is trusted for (domain=AGENCY_CODE,…)`,
    );
  if (problems.length > before || !e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) return undefined;
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    providerName: e.OIDC_PROVIDER_NAME ?? new URL(e.OIDC_ISSUER).hostname,
    domains: e.OIDC_AGENCY_DOMAINS ?? {},
    agencyClaim: e.OIDC_AGENCY_CLAIM,
    createUsers: e.OIDC_CREATE_USERS,
  };
}
