/** Pages beside the work: the example action plan, and the accessibility statement (public). */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { accessibilityPage } from '../accessibility';
import type { WebKit } from '../kit';

/** The example action plan offered as a download on the import page. */
const TEMPLATE_CSV = path.resolve(__dirname, '..', '..', '..', 'examples', 'scr-baby-m-action-plan.csv');

export function extrasRouter(kit: WebKit): Router {
  const router = Router();

  router.get('/examples/action-plan-template.csv', (_req, res, next) => {
    fs.readFile(TEMPLATE_CSV, (err, content) => {
      if (err) return next(err);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="action-plan-template.csv"');
      res.send(content);
    });
  });

  router.get('/accessibility', (_req, res) => {
    kit.send(res, 200, 'Accessibility statement', accessibilityPage());
  });

  return router;
}
