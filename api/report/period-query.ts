import { z } from '../http/zod';
import { DateOrInstant, ReviewTypeName, ThemeCode } from '../schemas';

/** A day (midnight UTC) or a full instant with its offset, in the years the system takes (DateOrInstant). */
const Instant = DateOrInstant.transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v));
const MAX_SPAN_DAYS = 3 * 366;

export const PeriodReportQuery = z
  .strictObject({
    from: Instant.describe('start of the period, inclusive (2026-04-01 means midnight UTC)'),
    to: Instant.describe('end of the period, exclusive (the next quarter starts here)'),
    format: z.enum(['json', 'html', 'csv', 'xlsx', 'docx', 'pdf']).default('json'),
    review: z.guid().optional().describe('only this review'),
    type: ReviewTypeName.optional().describe('only reviews of this type'),
    theme: ThemeCode.optional().describe('only actions with this theme'),
  })
  .superRefine((q, ctx) => {
    if (q.to <= q.from)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'to must be after from (the period is from inclusive, to exclusive)',
      });
    else if (q.to.getTime() - q.from.getTime() > MAX_SPAN_DAYS * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'a period is at most three years' });
  });

export const YearlyExtractQuery = z
  .strictObject({
    from: Instant.describe('start of the year, inclusive (2026-04-01 for the year to March 2027)'),
    to: Instant.describe('end of the year, exclusive'),
    format: z.enum(['json', 'html', 'xlsx', 'docx', 'pdf']).default('json'),
    review: z.guid().optional().describe('only this review'),
    type: ReviewTypeName.optional().describe('only reviews of this type'),
    theme: ThemeCode.optional().describe('only actions with this theme'),
  })
  .superRefine((q, ctx) => {
    if (q.to <= q.from)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'to must be after from (the year is from inclusive, to exclusive)',
      });
    else if (q.to.getTime() - q.from.getTime() > MAX_SPAN_DAYS * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'a period is at most three years' });
  });
