import { Router } from 'express';

/** Behaviour the pages need, as files: the content security policy allows no inline script. */
const PRINT_JS = `document.addEventListener('click', function (e) {
  var el = e.target && e.target.closest ? e.target.closest('[data-print]') : null;
  if (!el) return;
  e.preventDefault();
  window.print();
});
`;

export function assetsRouter(): Router {
  const router = Router();
  router.get('/assets/print.js', (_req, res) => {
    res.type('application/javascript').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(PRINT_JS);
  });
  return router;
}
