import { Router } from 'express';
import type { MailCatcher } from '../../lib/mail-catcher';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Embedded mode only: the SMTP catcher's inbox, so someone trying the product can read the
 * mails it sends and click their links. Never mounted when real SMTP is configured.
 */
export function mailInboxRouter(catcher: MailCatcher): Router {
  const router = Router();
  router.get('/mail/messages.json', (_req, res) => {
    res.json(catcher.list());
  });
  router.get('/mail/:id', (req, res) => {
    const mail = catcher.get(Number(req.params.id));
    if (!mail) {
      res.status(404).type('text/plain').send('No such message');
      return;
    }
    const body = mail.html || `<pre>${esc(mail.text)}</pre>`;
    res.type('html').send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(mail.subject)}</title></head><body>` +
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
          `<tr><td>${esc(new Date(m.receivedAt).toLocaleString('en-GB'))}</td><td>${esc(m.to.join(', '))}</td>` +
          `<td>${esc(m.headers['x-notification-kind'] ?? '')}</td><td><a href="/mail/${m.id}">${esc(m.subject)}</a></td></tr>`,
      )
      .join('');
    res.type('html').send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mail inbox</title></head><body>` +
        `<h1>Mail inbox (embedded SMTP catcher)</h1><table><thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Kind</th><th scope="col">Subject</th></tr></thead><tbody>${rows}</tbody></table></body></html>`,
    );
  });
  return router;
}
