import { createHash } from 'node:crypto';
import { and, eq, inArray, notExists } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { attachments, blobs } from '../../db/schema';
import type { Logger } from '../../lib/logger';
import type { AttachmentRef } from '../../workflows/types';
import type { UploadedFile } from '../http/uploads';

/**
 * Evidence files are stored content-addressed before the Update is sent (the Update carries only
 * their digests). If `use` fails — the workflow refused the Update — the blobs this call added
 * and nothing references are removed again, so a refused request leaves no row behind. Both the
 * API and the web pages submit evidence through here.
 */
export async function withStoredFiles<T>(
  db: Db,
  files: UploadedFile[],
  log: Logger,
  use: (refs: AttachmentRef[]) => Promise<T>,
): Promise<T> {
  const refs: AttachmentRef[] = [];
  const inserted: string[] = [];
  for (const f of files) {
    const sha256 = createHash('sha256').update(f.buffer).digest('hex');
    refs.push({ filename: f.filename, mediaType: f.mediaType, size: f.size, sha256 });
    const rows = await db
      .insert(blobs)
      .values({ sha256, size: f.size, content: f.buffer })
      .onConflictDoNothing()
      .returning({ sha256: blobs.sha256 });
    if (rows.length) inserted.push(sha256);
  }
  try {
    return await use(refs);
  } catch (err) {
    if (inserted.length) {
      await db
        .delete(blobs)
        .where(
          and(
            inArray(blobs.sha256, inserted),
            notExists(db.select({ one: attachments.id }).from(attachments).where(eq(attachments.sha256, blobs.sha256))),
          ),
        )
        .catch((e: unknown) => log.warn({ err: e }, 'could not remove orphan blobs'));
    }
    throw err;
  }
}
