import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { loadConfig } from '../../lib/config';
import { createMailer } from '../../lib/mailer';

/**
 * The SMTP settings an operator writes in SMTP_URL (and SMTP_CA_PATH) reach the transport:
 * requireTLS refuses a relay without STARTTLS before any credential or message crosses, and a
 * relay whose certificate comes from a private CA is trusted through the configured CA file,
 * with the message going over the encrypted connection. Real SMTP servers on loopback.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smtp-tls-'));
const caKey = path.join(tmp, 'ca.key');
const caCert = path.join(tmp, 'ca.pem');
const serverKey = path.join(tmp, 'server.key');
const serverCert = path.join(tmp, 'server.pem');

interface Seen {
  secure: boolean;
  authUser?: string;
  rcpt: string[];
}

/** A relay that records, per message, whether the session was encrypted and who logged in. */
async function relay(opts: {
  tls: boolean;
}): Promise<{ port: number; seen: Seen[]; authAttempts: string[]; stop: () => Promise<void> }> {
  const seen: Seen[] = [];
  const authAttempts: string[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    ...(opts.tls
      ? { key: fs.readFileSync(serverKey), cert: fs.readFileSync(serverCert) }
      : { disabledCommands: ['STARTTLS'] }),
    onAuth(auth, _session, cb) {
      authAttempts.push(auth.username ?? '');
      cb(null, { user: auth.username });
    },
    onData(stream, session: SMTPServerSession, cb) {
      stream.resume();
      stream.on('end', () => {
        seen.push({
          secure: session.secure,
          authUser: session.user as string | undefined,
          rcpt: session.envelope.rcptTo.map((r) => r.address),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, seen, authAttempts, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const message = { to: 'lead@agency.example', subject: 'Action assigned', text: 'hello' };

beforeAll(() => {
  // A private CA and a server certificate for 127.0.0.1 signed by it: what a council's own relay looks like.
  const ossl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ossl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/CN=Test Board CA',
  ]);
  const csr = path.join(tmp, 'server.csr');
  ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', serverKey, '-out', csr, '-subj', '/CN=127.0.0.1']);
  const ext = path.join(tmp, 'ext.cnf');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    serverCert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('SMTP_URL options reach the transport', () => {
  it('requireTLS=true refuses a relay without STARTTLS: no credentials, no message', async () => {
    const r = await relay({ tls: false });
    try {
      const strict = createMailer(
        `smtp://mailer:s3cret@127.0.0.1:${r.port}?requireTLS=true`,
        'Board <actions@board.example>',
      );
      await expect(strict.sendMail(message)).rejects.toThrow(/STARTTLS/i);
      strict.close();
      expect({ delivered: r.seen, auth: r.authAttempts }).toEqual({ delivered: [], auth: [] });
      // The same relay without requireTLS takes the message in plain text: the flag is what refused.
      const lax = createMailer(`smtp://127.0.0.1:${r.port}`, 'Board <actions@board.example>');
      await lax.sendMail(message);
      lax.close();
      expect(r.seen).toEqual([{ secure: false, authUser: undefined, rcpt: ['lead@agency.example'] }]);
    } finally {
      await r.stop();
    }
  });

  it('STARTTLS to a relay with a private CA: trusted through SMTP_CA_PATH, message sent encrypted', async () => {
    const r = await relay({ tls: true });
    try {
      const url = `smtp://mailer:s3cret@127.0.0.1:${r.port}?requireTLS=true`;
      const config = loadConfig('embedded', { SMTP_URL: url, SMTP_CA_PATH: caCert });
      expect(config.smtpCaPath).toBe(caCert);
      // Without the CA the certificate is not trusted, so nothing is sent.
      const untrusting = createMailer(url, 'Board <actions@board.example>');
      await expect(untrusting.sendMail(message)).rejects.toThrow(/certificate/i);
      untrusting.close();
      expect(r.seen).toEqual([]);
      const mailer = createMailer(config.smtpUrl!, 'Board <actions@board.example>', { caPath: config.smtpCaPath });
      await mailer.sendMail(message);
      mailer.close();
      expect(r.seen).toEqual([{ secure: true, authUser: 'mailer', rcpt: ['lead@agency.example'] }]);
    } finally {
      await r.stop();
    }
  });

  it('implicit TLS (smtps://) and a connection pool from the URL', async () => {
    const seen: boolean[] = [];
    const server = new SMTPServer({
      logger: false,
      authOptional: true,
      secure: true,
      key: fs.readFileSync(serverKey),
      cert: fs.readFileSync(serverCert),
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          seen.push(session.secure);
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    try {
      const mailer = createMailer(`smtps://127.0.0.1:${port}?maxConnections=2`, 'Board <actions@board.example>', {
        caPath: caCert,
      });
      expect((mailer as unknown as { options: { pool?: boolean; maxConnections?: number } }).options).toMatchObject({
        pool: true,
        maxConnections: 2,
      });
      await Promise.all([1, 2, 3].map((n) => mailer.sendMail({ ...message, subject: `m${n}` })));
      mailer.close();
      expect(seen).toEqual([true, true, true]);
    } finally {
      await new Promise<void>((r2) => server.close(() => r2()));
    }
  });
});

describe('SMTP_URL options are validated at start', () => {
  const base = { SMTP_URL: 'smtp://relay.example.org:587' };
  it.each([
    ['a misspelt option', 'smtp://relay.example.org:587?requireTls=true', /unknown option requireTls/],
    [
      'a flag that is not a boolean',
      'smtp://relay.example.org:587?requireTLS=maybe',
      /requireTLS: expected true or false/,
    ],
    ['a pool size out of range', 'smtp://relay.example.org:587?maxConnections=500', /maxConnections/],
    ['smtps:// with secure=false', 'smtps://relay.example.org?secure=false', /implicit TLS/],
  ])('refuses %s, naming SMTP_URL', (_what, url, phrase) => {
    expect(() => loadConfig('embedded', { ...base, SMTP_URL: url })).toThrow(phrase);
    expect(() => loadConfig('embedded', { ...base, SMTP_URL: url })).toThrow(/SMTP_URL: /);
  });

  it('refuses an SMTP CA file that is not there', () => {
    expect(() => loadConfig('embedded', { ...base, SMTP_CA_PATH: path.join(tmp, 'absent.pem') })).toThrow(
      /SMTP_CA_PATH: no readable file/,
    );
  });

  it('accepts the documented forms', () => {
    for (const url of [
      'smtps://u:p%40ss@relay.example.org:465',
      'smtp://u:p@relay.example.org:587?requireTLS=true',
      'smtp://mailpit:1025',
      'smtp://relay:25?pool=true&maxConnections=3',
    ]) {
      expect(loadConfig('embedded', { SMTP_URL: url }).smtpUrl).toBe(url);
    }
  });
});
