import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z as zod } from 'zod';
import { unstorableReason } from '../../workflows/storable-text';

/** The zod instance every request/response schema is built from, so the OpenAPI document is generated from the same schemas that validate. */
extendZodWithOpenApi(zod);

/**
 * The one check every text field carries: no NUL, no lone surrogate (workflows/storable-text.ts).
 * One shared instance, so a test can see that every string in every route's schemas has it.
 */
export const STORABLE_TEXT = zod.superRefine((value: string, ctx) => {
  const reason = unstorableReason(value);
  if (reason) ctx.addIssue({ code: 'custom', message: reason, input: value });
});

/**
 * `z` with its text builders replaced by ones that carry STORABLE_TEXT, so a field cannot be
 * declared without it (eslint refuses a direct `import { z } from 'zod'` in the API). Formats
 * that are ASCII by construction (guid, iso dates, email, enums) need nothing more; a URL does:
 * `new URL` accepts a NUL in the path.
 */
export const z = {
  ...zod,
  string: ((params?: Parameters<typeof zod.string>[0]) => zod.string(params).check(STORABLE_TEXT)) as typeof zod.string,
  url: ((params?: Parameters<typeof zod.url>[0]) => zod.url(params).check(STORABLE_TEXT)) as typeof zod.url,
} as typeof zod;
