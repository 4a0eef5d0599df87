/**
 * Controls that hold at the edge of the app, before any use-case runs: who may open the
 * embedded mail inbox, and that an upload from a stranger is refused without being read.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import { hashToken } from '../../api/http/auth';
import { checkEvidenceFile } from '../../api/http/uploads';
import { icsFor } from '../../activities/mail-content';
import { eq } from 'drizzle-orm';
import { loginTokens, notifications, reviews, sessions, users } from '../../db/schema';
import { PDF } from './fixtures';
import { ApiStack } from './stack';

/** A session row as sign-in would make it; returns the cookie header that carries it. */
async function sessionCookie(stack: ApiStack, role: 'admin' | 'board'): Promise<string> {
  const [user] = await stack.db.db
    .insert(users)
    .values({ name: `${role} web`, email: `${role}-${randomUUID()}@web.test`, role })
    .returning();
  const id = randomBytes(32).toString('base64url');
  await stack.db.db.insert(sessions).values({
    idHash: hashToken(id),
    userId: user.id,
    csrfToken: 'x'.repeat(32),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return `ap_session=${id}`;
}

describe('the embedded mail inbox', () => {
  it('on loopback (the default) is open, as a local trial needs', async () => {
    const stack = await new ApiStack({ worker: false, inbox: true }).start();
    try {
      expect(stack.config.host).toBe('127.0.0.1');
      expect((await request(stack.app).get('/mail')).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('beyond loopback (HOST=0.0.0.0) needs an administrator session', async () => {
    const stack = await new ApiStack({ worker: false, inbox: true, env: { HOST: '0.0.0.0' } }).start();
    try {
      for (const path of ['/mail', '/mail/1', '/mail/messages.json']) {
        const res = await request(stack.app).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
        expect(res.text).not.toContain('signin/');
      }
      const board = await sessionCookie(stack, 'board');
      expect((await request(stack.app).get('/mail/messages.json').set('Cookie', board)).status).toBe(403);
      const admin = await sessionCookie(stack, 'admin');
      expect((await request(stack.app).get('/mail/messages.json').set('Cookie', admin)).status).toBe(200);
      expect((await request(stack.app).get('/mail').set('Cookie', admin)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});

/**
 * Streams a multipart body of `files` parts of `fileSize` bytes each from one reused chunk (the
 * sender holds no copy). Resolves with the response status and the bytes sent before it came.
 */
function streamUpload(
  url: string,
  files: number,
  fileSize: number,
): Promise<{ status: number; sentBeforeAnswer: number }> {
  const boundary = '----upload-test-boundary';
  const head = (i: number) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="f${i}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const total =
    Array.from({ length: files }, (_, i) => Buffer.byteLength(head(i)) + fileSize + 2).reduce((a, b) => a + b, 0) +
    Buffer.byteLength(tail) -
    2;
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(total) },
    });
    req.on('response', (res) => {
      answered = true;
      resolve({ status: res.statusCode!, sentBeforeAnswer: sent });
      res.resume();
      req.destroy();
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const write = (b: Buffer | string) => {
      sent += Buffer.byteLength(b);
      return req.write(b);
    };
    (async () => {
      for (let i = 0; i < files && !answered; i++) {
        if (i > 0) write('\r\n');
        write(head(i));
        for (let left = fileSize; left > 0 && !answered;) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (!write(piece)) await new Promise<void>((r) => req.once('drain', r));
        }
      }
      if (!answered) req.end(tail);
    })().catch(reject);
  });
}

describe('an upload from someone not signed in', () => {
  let stack: ApiStack;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    stack = await new ApiStack({ worker: false }).start();
    server = http.createServer(stack.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stack.stop();
  });

  it.each([
    ['the web evidence form', '/actions/:id/evidence', 403],
    ['the web import form', '/reviews/new', 403],
    ['the API evidence route', '/api/v1/actions/:id/evidence', 401],
    ['the API import route', '/api/v1/reviews/import', 401],
    ['the web progress sheet form', '/reviews/:id/progress-sheet', 403],
    ['the API progress sheet route', '/api/v1/reviews/:id/progress-sheet', 401],
  ])('%s: 200 MB refused before it is read (RSS grows < 20 MB)', async (_name, path, expected) => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const { status, sentBeforeAnswer } = await streamUpload(
        `${base}${path.replace(':id', randomUUID())}`,
        10,
        20 * 1024 * 1024 - 1024,
      );
      peak = Math.max(peak, process.memoryUsage().rss);
      process.stdout.write(
        `${path}: ${status} after ${(sentBeforeAnswer / 1048576).toFixed(1)} MB sent; RSS +${((peak - before) / 1048576).toFixed(1)} MB\n`,
      );
      expect(status).toBe(expected);
      expect(peak - before).toBeLessThan(20 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
  });
});

describe('security headers', () => {
  const expectHeaders = (path: string, res: request.Response, https = false) => {
    const h = res.headers;
    const got = {
      path,
      csp: h['content-security-policy'],
      nosniff: h['x-content-type-options'],
      referrer: h['referrer-policy'],
      cache: h['cache-control'],
      hsts: h['strict-transport-security'],
    };
    expect(got).toEqual({
      path,
      csp: expect.stringMatching(/(default-src 'self'|default-src 'none').*frame-ancestors 'none'/),
      nosniff: 'nosniff',
      referrer: 'no-referrer',
      cache: path === '/assets/print.js' ? expect.stringMatching(/max-age/) : 'no-store',
      hsts: https ? expect.stringMatching(/max-age=\d+/) : undefined,
    });
    if (/html/.test(h['content-type'] ?? '')) {
      // No inline script anywhere: a handler attribute or a <script> without src would be blocked.
      expect({ path, inline: /\son[a-z]+\s*=|<script(?![^>]*\bsrc=)[^>]*>/i.exec(res.text)?.[0] ?? null }).toEqual({
        path,
        inline: null,
      });
    }
  };

  it('are on every page, API answer, download, error and asset', async () => {
    const stack = await new ApiStack({ worker: false, inbox: true }).start();
    try {
      const board = await sessionCookie(stack, 'board');
      const [review] = await stack.db.db
        .insert(reviews)
        .values({ reference: 'HDR-1', title: 'Headers review', policy: {} })
        .returning();
      const anonymous = [
        '/signin',
        '/',
        '/signin/not-a-token',
        '/healthz',
        '/readyz',
        '/openapi.json',
        '/docs',
        '/mail',
        '/api/v1/me',
        '/no-such-page',
        '/assets/print.js',
        '/examples/action-plan-template.csv',
      ];
      for (const path of anonymous) expectHeaders(path, await request(stack.app).get(path));
      const signedIn = [
        '/',
        '/dashboard',
        '/reviews',
        '/actions',
        '/reviews/new',
        `/reviews/${review.id}`,
        `/reviews/${review.id}/statement`,
        `/reviews/${review.id}/progress-sheet`,
        `/actions/${randomUUID()}`,
        '/signout',
      ];
      for (const path of signedIn) {
        const res = await request(stack.app).get(path).set('Cookie', board);
        expect({ path, status: res.status }).toEqual({ path, status: path.startsWith('/actions/') ? 404 : 200 });
        expectHeaders(path, res);
      }
      const statement = await request(stack.app).get(`/reviews/${review.id}/statement`).set('Cookie', board);
      expect(statement.text).toContain('data-print');
      expect(statement.text).toContain('<script src="/assets/print.js" defer></script>');
      expectHeaders('/api/v1/me', await request(stack.app).get('/api/v1/me').set(stack.auth('board')));
      expectHeaders(
        '/api/v1/reviews/:id/report',
        await request(stack.app).get(`/api/v1/reviews/${review.id}/report?format=html`).set(stack.auth('board')),
      );
      expectHeaders(
        'POST /api/v1/agencies',
        await request(stack.app).post('/api/v1/agencies').set(stack.auth('admin')).send({ bad: true }),
      );

      const https = stack.makeApp({ ...stack.config, publicUrl: 'https://actions.board.example' });
      for (const path of ['/signin', '/api/v1/me', '/healthz'])
        expectHeaders(path, await request(https).get(path), true);
    } finally {
      await stack.stop();
    }
  });
});

/** A zip of the given parts, each stored already compressed (method 8) with its true CRC and size. */
function zipOf(parts: { name: string; deflated: Buffer; crc: number; size: number }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(p.crc, 14);
    local.writeUInt32LE(p.deflated.length, 18);
    local.writeUInt32LE(p.size, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(p.crc, 16);
    dir.writeUInt32LE(p.deflated.length, 20);
    dir.writeUInt32LE(p.size, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, p.deflated);
    central.push(dir, name);
    offset += 30 + name.length + p.deflated.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

describe('an XLSX decompression bomb', () => {
  it('a valid workbook padded to 1.5 GB inflated is refused (400) before it is parsed', async () => {
    const stack = await new ApiStack({ worker: false }).start();
    try {
      // A real workbook (one valid row) ...
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('Plan').addRows([
        ['Recommendation number', 'Recommendation', 'Action', 'Lead agency code', 'Success measure', 'Target date'],
        ['1', 'Share information', 'Update the policy', 'BHT', 'Policy published', '2099-01-31'],
      ]);
      const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
      const parts = await Promise.all(
        Object.values(zip.files)
          .filter((f) => !f.dir)
          .map(async (f) => {
            const raw = await f.async('nodebuffer');
            return { name: f.name, deflated: zlib.deflateRawSync(raw), crc: zlib.crc32(raw), size: raw.length };
          }),
      );
      // ... plus one part of 1.5 GB of zeros: 1,536 deflated megabytes of zeros, one final empty block.
      const mb = Buffer.alloc(1024 * 1024);
      const block = zlib.deflateRawSync(mb, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      let crc = 0;
      for (let i = 0; i < 1536; i++) crc = zlib.crc32(mb, crc);
      const padding = Buffer.concat([
        ...Array.from({ length: 1536 }, () => block),
        zlib.deflateRawSync(Buffer.alloc(0)),
      ]);
      const bomb = zipOf([...parts, { name: 'xl/padding.bin', deflated: padding, crc, size: 1536 * 1024 * 1024 }]);
      expect(bomb.length).toBeLessThan(2 * 1024 * 1024);

      const started = Date.now();
      const before = process.memoryUsage().rss;
      const res = await stack
        .post('/api/v1/reviews/import', 'board')
        .field('reference', 'BOMB-1')
        .field('title', 'Padded workbook')
        .attach('file', bomb, {
          filename: 'plan.xlsx',
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        });
      process.stdout.write(
        `XLSX bomb (${(bomb.length / 1048576).toFixed(2)} MB, 1.5 GB inflated): ${res.status} in ${Date.now() - started} ms, RSS +${((process.memoryUsage().rss - before) / 1048576).toFixed(1)} MB\n`,
      );
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/inflates to 1536 MB/);

      // The same parts without the padding import as before: the check refuses only the bomb.
      const fine = await stack
        .post('/api/v1/reviews/import', 'board')
        .field('reference', 'BOMB-0')
        .field('title', 'Plain workbook')
        .attach('file', zipOf(parts), {
          filename: 'plan.xlsx',
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        });
      expect(fine.status).not.toBe(400);
    } finally {
      await stack.stop();
    }
  }, 180_000);
});

describe('policies and due dates that would flood inboxes', () => {
  const review = (policy: Record<string, unknown>, dueDate: string) => ({
    reference: `POL-${randomUUID().slice(0, 8)}`,
    title: 'Policy limits',
    policy,
    recommendations: [
      { number: '1', text: 'Share information', actions: [{ agencyCode: 'BHT', title: 'Update the policy', dueDate }] },
    ],
  });
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

  it('a duration below PT1M is refused naming the field, unless ALLOW_SHORT_POLICIES; a past due date always', async () => {
    const strict = await new ApiStack({ worker: false, env: { ALLOW_SHORT_POLICIES: '0' } }).start();
    try {
      const short = await strict
        .post('/api/v1/reviews', 'board')
        .send(review({ acknowledgeWithin: 'PT1S', remindBefore: ['P7D', 'PT30S'] }, inDays(30)));
      expect(short.status).toBe(400);
      expect(short.body.errors.map((e: { path: string }) => e.path)).toEqual([
        'policy.acknowledgeWithin',
        'policy.remindBefore.1',
      ]);
      expect(
        (await strict.post('/api/v1/reviews', 'board').send(review({ acknowledgeWithin: 'PT1M' }, inDays(30)))).status,
      ).toBe(201);

      const past = await strict.post('/api/v1/reviews', 'board').send(review({}, inDays(-1)));
      expect(past.status).toBe(400);
      expect(past.body.errors).toEqual([expect.objectContaining({ path: 'recommendations.0.actions.0.dueDate' })]);
      // Today is not past.
      expect((await strict.post('/api/v1/reviews', 'board').send(review({}, inDays(0)))).status).toBe(201);

      // Extension to a date already past: refused before the workflow is asked.
      const created = await strict.post('/api/v1/reviews', 'board').send(review({}, inDays(30)));
      const actionId = created.body.recommendations[0].actions[0].id;
      const ext = await strict
        .post(`/api/v1/actions/${actionId}/extension-requests`, 'owner')
        .send({ newDueDate: inDays(-2), reason: 'Late', interimMeasures: 'None' });
      expect(ext.status).toBe(400);
      expect(ext.body.errors).toEqual([expect.objectContaining({ path: 'newDueDate' })]);
    } finally {
      await strict.stop();
    }
    const relaxed = await new ApiStack({ worker: false }).start();
    try {
      expect(relaxed.config.allowShortPolicies).toBe(true);
      expect(
        (await relaxed.post('/api/v1/reviews', 'board').send(review({ acknowledgeWithin: 'PT1S' }, inDays(30)))).status,
      ).toBe(201);
    } finally {
      await relaxed.stop();
    }
  });
});

describe('smaller doors', () => {
  it('GET /api/v1/agencies gives an agency user its own agency (and contacts) only; the board sees all', async () => {
    const stack = await new ApiStack({ worker: false }).start();
    try {
      const own = await stack.get('/api/v1/agencies', 'owner');
      expect(own.status).toBe(200);
      expect(own.body.map((a: { code: string }) => a.code)).toEqual(['BHT']);
      const all = await stack.get('/api/v1/agencies', 'board');
      expect(all.body.length).toBeGreaterThan(3);

      // The bootstrap administrator (admin@localhost) cannot be sent a sign-in link; a person can.
      const [local] = await stack.db.db
        .insert(users)
        .values({ name: 'Administrator', email: 'admin@localhost', role: 'admin' })
        .returning();
      const agent = request.agent(stack.app);
      const form = await agent.get('/signin');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
      for (const email of ['admin@localhost', 'board@api.test'])
        expect((await agent.post('/signin').type('form').send({ _csrf: csrf, email })).status).toBe(200);
      // The page answers before the mail is queued: wait for the person's, then look for the administrator's.
      const queued = async () =>
        (
          await stack.db.db
            .select({ to: notifications.recipient })
            .from(notifications)
            .where(eq(notifications.kind, 'sign_in'))
        ).map((n) => n.to);
      for (let i = 0; i < 50 && !(await queued()).includes('board@api.test'); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await queued()).toEqual(['board@api.test']);
      expect((await stack.db.db.select().from(loginTokens).where(eq(loginTokens.userId, local.id))).length).toBe(0);
    } finally {
      await stack.stop();
    }
  });

  it('file names with bidi or other format characters are refused', () => {
    const file = (filename: string) => ({
      field: 'files',
      filename,
      mediaType: 'application/pdf',
      size: PDF.length,
      buffer: PDF,
    });
    expect(() => checkEvidenceFile(file('invoice.pdf'), 0)).not.toThrow();
    for (const name of ['invoice\u202Efdp.pdf', 'report\u200B.pdf', 'a\u2028b.pdf', 'x\u2066y.pdf']) {
      expect(() => checkEvidenceFile(file(name), 0)).toThrow(/format/);
    }
  });

  it('ICS text escapes CR and folds long lines at 75 octets (RFC 5545)', () => {
    const ics = icsFor(
      {
        actionId: randomUUID(),
        reviewReference: 'SCR-1',
        reference: '1.1',
        title: `Line one\rLine two\r\nLine three; with, commas — and a long tail ${'é'.repeat(60)}`,
        dueDate: new Date('2030-01-31'),
      } as never,
      'https://actions.example/actions/1',
      new Date('2029-01-01T00:00:00Z'),
    );
    const lines = ics.split('\r\n');
    expect(ics).not.toMatch(/\r(?!\n)/);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('SUMMARY:Due: SCR-1 1.1 Line one\\nLine two\\nLine three\\; with\\, commas');
    expect(unfolded).toContain('é'.repeat(60));
  });
});
