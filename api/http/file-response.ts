import type { Response } from 'express';

/**
 * Issue 22: the evidence files a browser may show inside our pages. Raster images and PDF only:
 * never SVG or HTML (they can carry script), never an Office document (a browser would only
 * download it anyway). Everything else is always a download.
 */
export const PREVIEWABLE_TYPES: ReadonlySet<string> = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

export const isPreviewable = (mediaType: string): boolean => PREVIEWABLE_TYPES.has(mediaType.toLowerCase());

/**
 * A previewed file's own policy: it loads nothing, runs nothing, and sits in an origin of its own
 * (the `sandbox` directive: this is what sandboxes a PDF, which Chromium will not show in a frame
 * with the sandbox attribute), and only our own pages may frame it.
 */
export const PREVIEW_FILE_CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'";

export interface StoredFile {
  filename: string;
  mediaType: string;
  sha256: string;
  content: Buffer | Uint8Array;
}

/**
 * One stored evidence file as the response, for the API's download route and the pages alike.
 * `inline` is honoured only for a previewable type; anything else is sent as an attachment
 * (`Content-Disposition: attachment`), so an uploaded file can never run as one of our pages.
 */
export function sendStoredFile(res: Response, file: StoredFile, opts: { inline?: boolean } = {}): void {
  const inline = !!opts.inline && isPreviewable(file.mediaType);
  res.setHeader('Content-Type', file.mediaType);
  res.setHeader('Content-Length', String(file.content.length));
  res.setHeader(
    'Content-Disposition',
    `${inline ? 'inline' : 'attachment'}; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('ETag', `"${file.sha256}"`);
  if (inline) {
    res.setHeader('Content-Security-Policy', PREVIEW_FILE_CSP);
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  }
  res.status(200).end(file.content);
}
