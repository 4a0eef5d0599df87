import { Router } from 'express';
import { escapeHtml as esc } from '../../domain/text';
import type { Db } from '../../db/client';
import type { MailCatcher } from '../../lib/mail-catcher';
import { formatDateTime } from '../../lib/board-time';
import { loadSession } from './session';

/**
 * Embedded mode only: the SMTP catcher's inbox, so someone trying the product can read the
 * mails it sends and click their links. Never mounted when real SMTP is configured.
 */
export function mailInboxRouter(catcher: MailCatcher, adminOnlyDb: Db | null = null): Router {
  const router = Router();
  if (adminOnlyDb) {
    const db = adminOnlyDb;
    router.use('/mail', (req, res, next) => {
      loadSession(db, req)
        .then((session) => {
          if (session?.user.role === 'admin') return next();
          res
            .status(403)
            .type('html')
            .setHeader('Cache-Control', 'no-store')
            .send(
              '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mail inbox: administrators only</title></head><body>' +
                '<h1>The mail inbox is for the administrator</h1><p>This server listens beyond this machine, and the inbox holds every sign-in link. ' +
                'Sign in with the administrator sign-in link printed on the console when the server started, then come back.</p></body></html>',
            );
        })
        .catch(next);
    });
  }
  router.get('/mail/messages.json', (_req, res) => {
    res.json(catcher.list());
  });
  router.get('/mail/:id', (req, res) => {
    const mail = catcher.get(Number(req.params.id));
    if (!mail) {
      res.status(404).type('text/plain').send('No such message');
      return;
    }
    // The plain-text part, with its web addresses made into links, so the links in a mail work
    // with one click. The HTML part is shown only inside a sandboxed frame (no scripts, no access
    // to this origin): mail content must never run as this site's page.
    const linked = esc(mail.text).replace(/https?:\/\/[^\s<>"']+/g, (u) => `<a href="${u}">${u}</a>`);
    const frameDoc = `<!doctype html><meta charset="utf-8"><base target="_blank"><style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem}</style>${mail.html}`;
    const body =
      `<pre style="white-space:pre-wrap;font:inherit">${linked}</pre>` +
      (mail.html
        ? `<details><summary>HTML version</summary><iframe title="HTML version of the message" sandbox="allow-popups allow-popups-to-escape-sandbox" style="width:100%;min-height:24rem;border:1px solid #b1b4b6" srcdoc="${esc(frameDoc)}"></iframe></details>`
        : '');
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(mail.subject)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem}</style></head><body>` +
          `<p><a href="/mail">&larr; Inbox</a></p><h1>${esc(mail.subject)}</h1>` +
          `<dl><dt>From</dt><dd>${esc(mail.from)}</dd><dt>To</dt><dd>${esc(mail.to.join(', '))}</dd>` +
          (mail.cc.length ? `<dt>Cc</dt><dd>${esc(mail.cc.join(', '))}</dd>` : '') +
          `<dt>Kind</dt><dd>${esc(mail.headers['x-notification-kind'] ?? '')}</dd></dl><hr>${body}</body></html>`,
      );
  });
  router.get('/mail', (_req, res) => {
    const rows = catcher
      .list()
      .reverse()
      .map(
        (m) =>
          `<tr><td>${esc(formatDateTime(m.receivedAt))}</td><td>${esc(m.to.join(', '))}</td>` +
          `<td>${esc(m.headers['x-notification-kind'] ?? '')}</td><td><a href="/mail/${m.id}">${esc(m.subject)}</a></td></tr>`,
      )
      .join('');
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mail inbox</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #b1b4b6}a:focus{outline:3px solid #ffdd00}</style></head><body>` +
          `<p><a href="/">&larr; Back to the app</a></p><h1>Mail inbox (embedded SMTP catcher)</h1><p>Every message the app sends lands here. Open a sign-in mail and click its link.</p><table><thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Kind</th><th scope="col">Subject</th></tr></thead><tbody>${rows}</tbody></table></body></html>`,
      );
  });
  return router;
}
