/** Issue 18: the preferences page (mail choices, cover while away), the same use-cases as /api/v1/me/*. */
import { Router, type Response } from 'express';
import { DIGESTIBLE_KINDS } from '../../../db/schema';
import { isUuid } from '../../../domain/text';
import { AppError } from '../../../lib/errors';
import { activeMembers } from '../../queries/users';
import { CoverBody, PreferencesBody } from '../../schemas';
import { coversOf, endCover, setCover } from '../../use-cases/cover';
import { dateFieldId, readDateInputs } from '../date-input';
import { deliveryOf, setPreferences } from '../../use-cases/preferences';
import { actorOf, fieldErrors, locals, valuesOf, type WebKit } from '../kit';
import { mailChoiceId, preferencesPage } from '../preferences-page';
import type { WebSession } from '../session';

/**
 * The mail form's problems by kind (`body.delivery.reminder` → `reminder`), for the kind's own
 * fieldset; a kind the page does not offer (a tampered form) is left to the message at the top.
 */
function mailErrors(err: AppError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of err.errors ?? []) {
    const kind = /^body\.delivery\.([^.]+)/.exec(e.path)?.[1];
    if (kind && (DIGESTIBLE_KINDS as readonly string[]).includes(kind) && !out[kind]) out[kind] = e.message;
  }
  return out;
}

export function preferencesRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;
  const db = ctx.db;

  const data = async (s: WebSession) => ({
    delivery: await deliveryOf(db, s.user.userId),
    covers: await coversOf(db, s.user.userId),
    colleagues: s.user.agencyId ? await activeMembers(db, s.user.agencyId, s.user.userId) : [],
  });

  router.get(
    '/preferences',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      send(res, 200, 'Preferences', preferencesPage(locals(res).ctx, await data(s)), { notice: locals(res).notice });
    }),
  );

  /**
   * Runs one of the page's forms through its use-case: done, back to the page with a notice;
   * refused (an AppError, from the schema or the use-case), the page again with each message beside
   * its field (the mail choice's fieldset, or the cover form's input) rather than the generic
   * "form not accepted" page.
   */
  const submit = async (
    res: Response,
    s: WebSession,
    form: 'mail' | 'cover' | 'end',
    values: Record<string, string>,
    save: () => Promise<unknown>,
  ) => {
    try {
      await save();
      kit.flashAndRedirect(
        res,
        form === 'mail' ? 'preferences' : form === 'cover' ? 'cover' : 'cover_ended',
        '/preferences',
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // Ending has no field to show a problem beside: its message heads the page.
      const errors = form === 'mail' ? mailErrors(err) : form === 'cover' ? fieldErrors(err) : {};
      const state = { values, errors };
      send(
        res,
        err.status,
        'Preferences',
        preferencesPage(
          locals(res).ctx,
          await data(s),
          form === 'cover' ? state : undefined,
          form === 'mail' ? state : undefined,
        ),
        {
          error: err.message,
          fieldErrors: errors,
          fieldIds:
            form === 'mail'
              ? Object.fromEntries(Object.keys(errors).map((k) => [k, mailChoiceId(k)]))
              : { from: dateFieldId('from'), to: dateFieldId('to') },
        },
      );
    }
  };

  router.post(
    '/preferences',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const delivery = valuesOf(form.fields);
      await submit(res, s, 'mail', delivery, () =>
        setPreferences(db, actorOf(s), kit.parse(PreferencesBody, { delivery })),
      );
    }),
  );

  router.post(
    '/preferences/cover',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const values = valuesOf(form.fields);
      await submit(res, s, 'cover', values, () => {
        // Issue 22: the two dates are GOV.UK date inputs (day, month, year).
        const { from, to } = readDateInputs(form.fields, [
          { name: 'from', label: 'the first day away', required: true },
          { name: 'to', label: 'the last day away', required: true },
        ]);
        return setCover(
          db,
          actorOf(s),
          kit.parse(CoverBody, { deputyId: values.deputyId, from, to, copyMe: values.copyMe === 'true' }),
        );
      });
    }),
  );

  router.post(
    '/preferences/cover/:id/end',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const id = String(req.params.id);
      if (!isUuid(id)) return kit.notFound(res);
      await submit(res, s, 'end', {}, () => endCover(db, actorOf(s), id));
    }),
  );

  return router;
}
