import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/temporal-cli';
import { CookieBrowser } from '../support/cookie-browser';
import { alive, descendants, spawnLogged, waitForHttp } from '../support/processes';

/**
 * The real `npm start`, as a user runs it: a fresh DATA_DIR, ports of its own, nothing else
 * configured. It must become ready, deliver mail to its catcher, stop cleanly on SIGTERM
 * leaving no child process behind, and find its data again on a second start.
 */
jest.setTimeout(600_000);

const root = path.join(__dirname, '..', '..');
const ADMIN_TOKEN = 'embedded-test-admin-token-0123456789';

async function startOnce(env: NodeJS.ProcessEnv, port: number) {
  const run = spawnLogged('npm', ['start'], env, root);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 240_000);
  } catch (err) {
    run.child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- npm start output ---\n${run.output()}`);
  }
  return run;
}

async function stop(run: ReturnType<typeof spawnLogged>) {
  const tree = descendants(run.child.pid!);
  expect(tree.length).toBeGreaterThan(0); // the dev server at least
  run.child.kill('SIGTERM');
  const code = await run.exited;
  // Give the OS a moment to reap grandchildren that were told to stop.
  for (let i = 0; i < 50 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 200));
  const left = tree.filter(alive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return { code, left };
}

describe('npm start (embedded stack)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('becomes ready, delivers mail to its catcher, stops cleanly, and finds its data again', async () => {
    const [port, devPort, uiPort, smtpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SMTP_CATCHER_PORT: String(smtpPort),
      ADMIN_TOKEN,
      // Every request is logged at info: the log below is checked for credentials.
      LOG_LEVEL: 'info',
    };
    const api = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

    const first = await startOnce(env, port);
    const ready = await (await fetch(`${api}/readyz`)).json();
    expect(ready).toMatchObject({
      ready: true,
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
    });
    expect(first.output()).toContain(`Temporal UI:   http://localhost:${uiPort}`);
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    // With HOST unset it listens on loopback only: the machine's own network address gets no answer.
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (outside) await expect(fetch(`http://${outside.address}:${port}/healthz`)).rejects.toThrow();
    expect(first.output()).toContain(`Listening on:  127.0.0.1:${port}`);

    // One e-mail through the configured transport: a review's action is assigned and mailed.
    const agency = await fetch(`${api}/api/v1/agencies`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ code: 'SMOKE', name: 'Smoke Test Agency', leadEmail: 'lead@smoke.example' }),
    });
    expect(agency.status).toBe(201);
    const review = await fetch(`${api}/api/v1/reviews`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        reference: 'SCR-EMBEDDED',
        title: 'Embedded smoke review',
        recommendations: [
          {
            number: '1',
            text: 'Share information',
            actions: [{ agencyCode: 'SMOKE', title: 'Train officers', dueDate: '2099-01-31' }],
          },
        ],
      }),
    });
    expect(review.status).toBe(201);
    const deadline = Date.now() + 60_000;
    let mails: { to: string[]; headers: Record<string, string> }[] = [];
    while (Date.now() < deadline) {
      mails = (await (await fetch(`${api}/mail/messages.json`)).json()) as typeof mails;
      if (mails.some((m) => m.headers['x-action-ref'] === 'SCR-EMBEDDED 1.1')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const assignment = mails.find((m) => m.headers['x-action-ref'] === 'SCR-EMBEDDED 1.1');
    expect(assignment?.headers['x-notification-kind']).toBe('assignment');
    expect(assignment?.to).toContain('lead@smoke.example');
    expect(assignment?.headers['x-action-ref']).toBe('SCR-EMBEDDED 1.1');

    // The Baby M demo: action 2.1 is due 31 January 2027, the end of that day in London, wherever it is shown.
    const page = (await (await fetch(`${api}/api/v1/actions?pageSize=200`, { headers: auth })).json()) as {
      items: {
        id: string;
        reviewId: string;
        reviewReference: string;
        reference: string;
        dueDate: string;
        dueOn: string;
        rag: string;
        assurance: string | null;
        extensionCount: number;
      }[];
    };
    const a21 = page.items.find((a) => a.reviewReference === 'SCR-BABY-M' && a.reference === '2.1')!;
    expect(a21).toMatchObject({ dueOn: '2027-01-31', dueDate: '2027-01-31T23:59:59.999Z' });
    const demoMail = (
      mails as unknown as { headers: Record<string, string>; text: string; attachments: { content: string }[] }[]
    ).find(
      // Issue 22: the demo plan is told as an import is, one mail per agency listing its actions (2.1 among them).
      (m) =>
        m.headers['x-notification-kind'] === 'assignment' &&
        /^SCR-BABY-M (.+, )?2\.1(,|$)/.test(m.headers['x-action-ref'] ?? ''),
    );
    expect(demoMail?.text).toContain('Due: 31 January 2027');
    expect(demoMail?.attachments.some((a) => a.content.includes('DTSTART;VALUE=DATE:20270131'))).toBe(true);
    const statement = await (
      await fetch(`${api}/api/v1/reviews/${a21.reviewId}/report?format=md`, { headers: auth })
    ).text();
    expect(statement).toMatch(/### 2\.1 [^\n]*\n\n(- [^\n]*\n)*- Target date: 31 January 2027/);
    // Issue 17 on the first screen: actions at each new stage, and the statement tells implemented from embedded.
    const baby = page.items.filter((a) => a.reviewReference === 'SCR-BABY-M');
    expect(baby.map((a) => a.assurance)).toEqual(
      expect.arrayContaining(['scheduled', 'evidence_submitted', 'evidenced', 'not_embedded', 'waived']),
    );
    // And one impact check already due: the demo audit's impact period is seconds long.
    const dueBy = Date.now() + 60_000;
    let impactDue: string | null = null;
    while (impactDue !== 'due' && Date.now() < dueBy) {
      const list = (await (await fetch(`${api}/api/v1/actions?pageSize=200`, { headers: auth })).json()) as {
        items: { reviewReference: string; assurance: string | null }[];
      };
      impactDue = list.items.find((a) => a.reviewReference === 'DEMO-AUDIT-NEGLECT')?.assurance ?? null;
      if (impactDue !== 'due') await new Promise((r) => setTimeout(r, 1000));
    }
    expect(impactDue).toBe('due');
    expect(baby.find((a) => a.reference === '1.6a')).toBeDefined();
    expect(baby.find((a) => a.reference === '1.4')?.extensionCount).toBe(1);
    // Issue 19 on the first screen: the board uploaded the agency's progress sheet for it.
    const history = (await (
      await fetch(`${api}/api/v1/actions/${baby.find((a) => a.reference === '1.4')!.id}/history`, { headers: auth })
    ).json()) as { type: string; actorName: string | null; payload: { forAgency?: string } }[];
    expect(history.find((e) => e.type === 'progress_updated')).toMatchObject({
      actorName: expect.stringMatching(/ for [A-Z]+$/),
      payload: expect.objectContaining({ forAgency: expect.any(String) }),
    });
    expect(statement).toContain('Evidence of impact: Case file sample of 20 pre-birth cases');
    expect(statement).toContain('Agency response');
    // A session's credentials (bearer tokens, a sign-in link, session and CSRF cookies) must
    // not appear anywhere in the process's log, which logs every request at info.
    const secrets = await useCredentials(api, auth, (await review.json()) as ReviewBody);
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    const log = first.output();
    expect(log).toContain('"url":"/signin/[redacted]"'); // the requests were logged, with the token cut out
    expect(secrets.filter((s) => log.includes(s))).toEqual([]);

    const firstStop = await stop(first);
    expect(firstStop).toEqual({ code: 0, left: [] });

    // Second start: same DATA_DIR, the review and the mail are still there.
    const second = await startOnce(env, port);
    const reviews = await (await fetch(`${api}/api/v1/reviews`, { headers: auth })).json();
    expect(JSON.stringify(reviews)).toContain('SCR-EMBEDDED');
    // The demo review from examples/ was started on the first start, and only then.
    expect(JSON.stringify(reviews).match(/SCR-BABY-M/g)?.length).toBe(1);
    const inbox = (await (await fetch(`${api}/mail/messages.json`)).json()) as unknown[];
    expect(inbox.length).toBeGreaterThanOrEqual(1);
    const secondStop = await stop(second);
    expect(secondStop).toEqual({ code: 0, left: [] });
  });
});

type ReviewBody = { recommendations: { actions: { id: string }[] }[] };

/**
 * Uses every kind of credential once: an API token (admin and agency), an evidence upload, a
 * web sign-in by e-mailed link and a signed-in page. Returns the secrets it used.
 */
async function useCredentials(api: string, auth: Record<string, string>, review: ReviewBody): Promise<string[]> {
  const secrets = [ADMIN_TOKEN];
  const created = await fetch(`${api}/api/v1/users`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'Smoke Lead', email: 'user@smoke.example', role: 'agency', agencyCode: 'SMOKE' }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  secrets.push(token);
  const agency = { authorization: `Bearer ${token}` };
  const actionId = review.recommendations[0].actions[0].id;
  expect(
    (await fetch(`${api}/api/v1/actions/${actionId}/acknowledge`, { method: 'POST', headers: agency })).status,
  ).toBe(200);
  const form = new FormData();
  form.append('statement', 'Officers trained; attendance list attached.');
  form.append('files', new Blob(['attendance: 12 of 12\n'], { type: 'text/plain' }), 'attendance.txt');
  const upload = await fetch(`${api}/api/v1/actions/${actionId}/evidence`, {
    method: 'POST',
    headers: agency,
    body: form,
  });
  expect(upload.status).toBe(200);

  const browser = new CookieBrowser(api);
  const email = 'business.manager@board.example';
  const signInPage = await (await browser.request('/signin')).text();
  const preCsrf = CookieBrowser.csrfOf(signInPage);
  secrets.push(preCsrf);
  expect((await browser.request('/signin', { form: { _csrf: preCsrf, email } })).status).toBe(200);
  // The cookie that binds the link to this browser.
  secrets.push(browser.cookies.get('ap_signin')!);
  let link: string | undefined;
  for (let i = 0; i < 60 && !link; i++) {
    const mails = (await (await fetch(`${api}/mail/messages.json`)).json()) as {
      to: string[];
      text: string;
      headers: Record<string, string>;
    }[];
    const mail = mails.filter((m) => m.to.includes(email) && m.headers['x-notification-kind'] === 'sign_in').pop();
    link = mail && /\/signin\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    if (!link) await new Promise((r) => setTimeout(r, 500));
  }
  expect(link).toBeDefined();
  secrets.push(link!);
  const confirm = await browser.request(`/signin/${link}`);
  expect(confirm.status).toBe(200);
  const signedIn = await browser.request(`/signin/${link}`, {
    form: { _csrf: CookieBrowser.csrfOf(await confirm.text()) },
  });
  expect(signedIn.status).toBe(303);
  const session = browser.cookies.get('ap_session');
  expect(session).toBeDefined();
  secrets.push(session!);
  const start = await browser.request('/');
  expect(start.status).toBe(200);
  secrets.push(CookieBrowser.csrfOf(await start.text()));
  return secrets;
}
