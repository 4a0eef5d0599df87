import { PDF } from './fixtures';
import { ApiStack, QUIET_POLICY, exampleReviewBody } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

type A = { id: string; reference: string; agencyCode: string; status: string; outcome: string | null };

it('the Baby M review from creation to the published statement', async () => {
  const created = await stack.post('/api/v1/reviews', 'board').send({ ...exampleReviewBody(), policy: QUIET_POLICY });
  expect(created.status).toBe(201);
  const all: A[] = created.body.recommendations.flatMap((r: { actions: A[] }) => r.actions);
  const discharge = all.find((a) => a.reference === '6.1')!; // BHT: discharge communication policy
  const images = all.find((a) => a.reference === '6.2')!; // BHT: imaging procedure
  expect(discharge).toMatchObject({ agencyCode: 'BHT', status: 'assigned' });
  const ref = (a: A) => `SCR-BABY-M ${a.reference}`;
  await stack.catcher.waitFor(
    (m) => m.headers['x-action-ref'] === ref(discharge) && m.headers['x-notification-kind'] === 'assignment',
    30_000,
  );

  // The agency acknowledges and submits evidence with a file.
  const ack = await stack.post(`/api/v1/actions/${discharge.id}/acknowledge`, 'owner');
  expect(ack.body).toMatchObject({ status: 'in_progress', rag: expect.any(String) });
  const first = await stack
    .post(`/api/v1/actions/${discharge.id}/evidence`, 'owner')
    .field('statement', 'Discharge policy drafted')
    .field('links', 'https://bht.example/policies/discharge')
    .attach('files', PDF, { filename: 'discharge-policy.pdf', contentType: 'application/pdf' });
  expect(first.status).toBe(200);
  expect(first.body.status).toBe('under_review');
  await stack.catcher.waitFor(
    (m) => m.headers['x-action-ref'] === ref(discharge) && m.headers['x-notification-kind'] === 'evidence_submitted',
    30_000,
  );

  // The board asks for more; the agency resubmits; the board approves.
  const changes = await stack
    .post(`/api/v1/actions/${discharge.id}/decision`, 'board')
    .send({ outcome: 'request_changes', comment: 'Show that staff were briefed' });
  expect(changes.body).toMatchObject({ status: 'in_progress', changesRequested: true });
  const second = await stack
    .post(`/api/v1/actions/${discharge.id}/evidence`, 'owner')
    .send({ statement: 'Policy updated and all ward staff briefed in January' });
  expect(second.body.status).toBe('under_review');
  const approved = await stack
    .post(`/api/v1/actions/${discharge.id}/decision`, 'board')
    .send({ outcome: 'approve', comment: 'Evidence sufficient' });
  expect(approved.body).toMatchObject({ status: 'closed', outcome: 'implemented', rag: 'complete' });
  await stack.catcher.waitFor(
    (m) =>
      m.headers['x-action-ref'] === ref(discharge) &&
      m.headers['x-notification-kind'] === 'decision' &&
      /approv/i.test(m.subject + m.text),
    30_000,
  );

  // Another action closed as not implemented: its reason must be published.
  await stack.post(`/api/v1/actions/${images.id}/acknowledge`, 'owner').expect(200);
  await stack
    .post(`/api/v1/actions/${images.id}/evidence`, 'owner')
    .send({ statement: 'Imaging procedure under regional review' })
    .expect(200);
  await stack
    .post(`/api/v1/actions/${images.id}/decision`, 'board')
    .send({ outcome: 'close_not_implemented', comment: 'Superseded by the regional imaging protocol' })
    .expect(200);

  // The action page: evidence with the file, decisions, live stage, history, download.
  const detail = await stack.get(`/api/v1/actions/${discharge.id}`, 'owner');
  expect(detail.body).toMatchObject({ status: 'closed', liveStage: 'closed' });
  expect(detail.body.evidence).toHaveLength(2);
  expect(detail.body.evidence.map((e: { status: string }) => e.status)).toEqual(['changes_requested', 'accepted']);
  expect(detail.body.decisions.map((d: { outcome: string }) => d.outcome)).toEqual(['request_changes', 'approve']);
  const file = detail.body.evidence[0].attachments[0];
  const download = await stack.get(file.url, 'owner');
  expect(download.status).toBe(200);
  expect(download.headers['content-type']).toBe('application/pdf');
  expect(Buffer.from(download.body as Buffer).equals(PDF)).toBe(true);
  expect((await stack.get(file.url, 'other')).status).toBe(404);
  const history = await stack.get(`/api/v1/actions/${discharge.id}/history`, 'owner');
  expect(history.body.length).toBeGreaterThanOrEqual(5);

  // The published statement.
  const report = await stack.get(`/api/v1/reviews/${created.body.id}/report?format=json`, 'board');
  const bht = report.body.sections.find((s: { agencyCode: string }) => s.agencyCode === 'BHT');
  expect(bht.actions.find((a: { reference: string }) => a.reference === '6.1')).toMatchObject({
    status: 'closed',
    outcome: 'implemented',
    progressStatement: 'Policy updated and all ward staff briefed in January',
    closedAt: expect.any(String),
    acknowledgedAt: expect.any(String),
  });
  expect(bht.actions.find((a: { reference: string }) => a.reference === '6.2')).toMatchObject({
    outcome: 'not_implemented',
    notImplementedReason: 'Superseded by the regional imaging protocol',
  });
  const html = await stack.get(`/api/v1/reviews/${created.body.id}/report?format=html`, 'board');
  expect(html.text).toContain('Policy updated and all ward staff briefed in January');
  expect(html.text).toContain('Superseded by the regional imaging protocol');
  expect((await stack.get(`/api/v1/reviews/${created.body.id}/report?format=md`, 'board')).text).toContain(
    'Not implemented, because: Superseded',
  );

  // Dashboard and metrics reflect it.
  const dash = await stack.get('/api/v1/dashboard', 'board');
  expect(dash.body.byStatus.closed).toBe(2);
  expect(dash.body.byRag.complete).toBe(2);
  const ownDash = await stack.get('/api/v1/dashboard', 'owner');
  expect(ownDash.body.byAgency.map((a: { agencyCode: string }) => a.agencyCode)).toEqual(['BHT']);
  expect((await stack.get('/metrics', 'none')).status).toBe(401);
  const metrics = (await stack.get('/metrics', 'admin')).text;
  expect(metrics).toMatch(/actionplan_workflow_starts_total\{kind="action"\} 22/);
  expect(metrics).toMatch(
    /http_requests_total\{method="POST",route="\/api\/v1\/actions\/:id\/decision",status="200"\} 3/,
  );
  expect(metrics).toMatch(
    /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/actions\/:id\/decision",status="200"\} 3/,
  );
  expect(metrics).toMatch(/actionplan_mails\{status="sent"\} [1-9]/);
}, 120_000);
