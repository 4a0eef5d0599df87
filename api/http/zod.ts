import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** The zod instance every request/response schema is built from, so the OpenAPI document is generated from the same schemas that validate. */
extendZodWithOpenApi(z);

export { z };
