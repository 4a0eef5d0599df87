import { defineRoute, type RouteDef } from '../http/route';
import { scopeOf } from '../queries/scope';
import { buildPeriodReport } from '../report/period';
import { periodCsv, periodPaper } from '../report/period-paper';
import { PeriodReportQuery, YearlyExtractQuery } from '../report/period-query';
import { MEDIA_TYPE, sendPaper } from '../report/send-paper';
import { inSnapshot, readStamp } from '../report/stamp';
import { buildYearlyExtract } from '../report/yearly';
import { yearlyPaper } from '../report/yearly-paper';

export const reportRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/reports/period',
    operationId: 'periodReport',
    summary:
      'What happened in a period across the reviews: decisions, closures, extensions, escalations, new work and exceptions (agency users: their own actions)',
    description:
      'The period is `from` inclusive to `to` exclusive, so consecutive quarters count each event once. Exceptions (overdue, stalled) are as at the time of the report; ' +
      '"no update in the period" means no acknowledgement, evidence, extension request or progress update from the agency between from and to. ' +
      'docx and pdf are the meeting pack; html prints; xlsx has a sheet per section; every pack ends with the publication record (generation time, data as-of instant, audit chain head).',
    tag: 'Reports',
    access: 'any',
    query: PeriodReportQuery,
    responses: {
      200: {
        description: 'The period report',
        contentTypes: [
          'application/json',
          'text/csv',
          MEDIA_TYPE.html,
          MEDIA_TYPE.xlsx,
          MEDIA_TYPE.docx,
          MEDIA_TYPE.pdf,
        ],
      },
    },
    handler: async ({ ctx, actor, query, res }) => {
      const now = new Date();
      const filter = { from: query.from, to: query.to, review: query.review, type: query.type, theme: query.theme };
      const { report, stamp } = await inSnapshot(ctx.db, async (tx) => ({
        report: await buildPeriodReport(tx, scopeOf(actor), filter, now),
        stamp: await readStamp(tx, ctx.config.boardName, now),
      }));
      if (query.format === 'json')
        return { status: 200, body: { ...report, asOf: stamp.asOf, auditHead: stamp.auditHead } };
      const paper = periodPaper(report);
      if (query.format === 'csv') {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${paper.fileName}.csv"`);
        res.status(200).send(periodCsv(report));
        return { sent: true };
      }
      await sendPaper(res, query.format, paper, stamp);
      return { sent: true };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/reports/yearly',
    operationId: 'yearlyExtract',
    summary:
      "The figures for the partnership's yearly report: reviews carried, actions by status and agency, share closed on time, average slippage, not-implemented decisions with reasons, escalations to the chair",
    description:
      'The year is `from` inclusive to `to` exclusive (2026-04-01 to 2027-04-01 for a financial year). "On time" and slippage compare the closing date with the original due date, before any extension.',
    tag: 'Reports',
    access: 'any',
    query: YearlyExtractQuery,
    responses: {
      200: {
        description: 'The yearly extract',
        contentTypes: ['application/json', MEDIA_TYPE.html, MEDIA_TYPE.xlsx, MEDIA_TYPE.docx, MEDIA_TYPE.pdf],
      },
    },
    handler: async ({ ctx, actor, query, res }) => {
      const now = new Date();
      const { extract, stamp } = await inSnapshot(ctx.db, async (tx) => ({
        extract: await buildYearlyExtract(
          tx,
          scopeOf(actor),
          { from: query.from, to: query.to, review: query.review, type: query.type, theme: query.theme },
          now,
        ),
        stamp: await readStamp(tx, ctx.config.boardName, now),
      }));
      if (query.format === 'json')
        return { status: 200, body: { ...extract, asOf: stamp.asOf, auditHead: stamp.auditHead } };
      await sendPaper(res, query.format, yearlyPaper(extract), stamp);
      return { sent: true };
    },
  }),
];
