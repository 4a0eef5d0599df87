/** The dashboard and a review's progress statement: aggregated in the database, the statement from the API's report model. */
import { Router } from 'express';
import { listAgencies } from '../../queries/agencies';
import { dashboardCached } from '../../queries/dashboard';
import { scopeOf } from '../../queries/scope';
import { buildReport } from '../../report/model';
import { locals, type WebKit } from '../kit';
import { dashboardPage, statementPage } from '../reports';

export function reportRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;

  router.get(
    '/dashboard',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const scope = scopeOf(s.user);
      const now = new Date();
      const [agencyList, view] = await Promise.all([listAgencies(ctx.db), dashboardCached(ctx.db, scope, now)]);
      send(res, 200, 'Dashboard', dashboardPage(agencyList, view.counts, view.trend, s.user.role), {
        notice: locals(res).notice,
      });
    }),
  );

  router.get(
    '/reviews/:id/statement',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const report = await buildReport(ctx.db, scopeOf(s.user), String(req.params.id));
      if (!report) return kit.notFound(res);
      send(res, 200, `${report.review.reference} progress statement`, statementPage(report));
    }),
  );

  return router;
}
