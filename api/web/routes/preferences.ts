/** Issue 18: the preferences page (mail choices, cover while away), the same use-cases as /api/v1/me/*. */
import { and, eq, isNull, ne } from 'drizzle-orm';
import { Router } from 'express';
import { users } from '../../../db/schema';
import { AppError } from '../../../lib/errors';
import { CoverBody, PreferencesBody } from '../../schemas';
import { coversOf, setCover } from '../../use-cases/cover';
import { deliveryOf, setPreferences } from '../../use-cases/preferences';
import { actorOf, fieldErrors, locals, valuesOf, type WebKit } from '../kit';
import { preferencesPage } from '../preferences-page';
import type { WebSession } from '../session';

export function preferencesRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;
  const db = ctx.db;

  const data = async (s: WebSession) => ({
    delivery: await deliveryOf(db, s.user.userId),
    covers: await coversOf(db, s.user.userId),
    colleagues: s.user.agencyId
      ? await db
          .select({ id: users.id, name: users.name })
          .from(users)
          .where(and(eq(users.agencyId, s.user.agencyId), ne(users.id, s.user.userId), isNull(users.deactivatedAt)))
          .orderBy(users.name)
      : [],
  });

  router.get(
    '/preferences',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      send(res, 200, 'Preferences', preferencesPage(locals(res).ctx, await data(s)), { notice: locals(res).notice });
    }),
  );

  router.post(
    '/preferences',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const { _csrf: _token, ...delivery } = valuesOf(form.fields);
      await setPreferences(db, actorOf(s), kit.parse(PreferencesBody, { delivery }));
      kit.flashAndRedirect(res, 'preferences', '/preferences');
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
      try {
        const body = kit.parse(CoverBody, { ...values, copyMe: values.copyMe === 'true' });
        await setCover(db, actorOf(s), body);
        kit.flashAndRedirect(res, 'cover', '/preferences');
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const errors = Object.fromEntries(
          Object.entries(fieldErrors(err)).map(([k, v]) => [k.replace(/^body\./, ''), v]),
        );
        send(res, err.status, 'Preferences', preferencesPage(locals(res).ctx, await data(s), { values, errors }), {
          error: err.message,
          fieldErrors: errors,
        });
      }
    }),
  );

  return router;
}
