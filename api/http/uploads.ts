import type { Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '../../lib/errors';

export interface UploadedFile {
  field: string;
  filename: string;
  mediaType: string;
  size: number;
  buffer: Buffer;
}

export interface MultipartLimits {
  fileField: string;
  maxFiles: number;
  maxFileSize: number;
}

/** Evidence files, for the API and the web pages alike: one limit, whichever door they come in by. */
export const EVIDENCE_UPLOAD_LIMITS: MultipartLimits = {
  fileField: 'files',
  maxFiles: 5,
  maxFileSize: 10 * 1024 * 1024,
};
/** An action plan to import (.csv or .xlsx), for the API and the web pages alike. */
export const IMPORT_UPLOAD_LIMITS: MultipartLimits = { fileField: 'file', maxFiles: 1, maxFileSize: 2 * 1024 * 1024 };

/**
 * Parses multipart in memory with hard limits; every multer/busboy failure is the client's (4xx), never a 500.
 * `beforeFile` sees the fields sent before each file (a form's hidden CSRF field comes first) and
 * may refuse: then no file content is kept.
 */
export function parseMultipart(
  req: Request,
  res: Response,
  limits: MultipartLimits,
  beforeFile?: (fieldsSoFar: Record<string, unknown>) => AppError | null,
): Promise<{ fields: Record<string, unknown>; files: UploadedFile[] }> {
  const upload = multer({
    storage: multer.memoryStorage(),
    fileFilter: (r, _file, cb) => {
      const refusal = beforeFile?.({ ...((r.body ?? {}) as Record<string, unknown>) }) ?? null;
      if (refusal) cb(refusal);
      else cb(null, true);
    },
    limits: {
      fileSize: limits.maxFileSize,
      files: limits.maxFiles,
      fields: 50,
      fieldSize: 64 * 1024,
      parts: limits.maxFiles + 50,
      headerPairs: 200,
    },
  }).array(limits.fileField, limits.maxFiles);
  return new Promise((resolve, reject) => {
    upload(req, res, (err: unknown) => {
      if (err) {
        if (err instanceof AppError) {
          // Refused part-way: the client need not send the rest.
          res.setHeader('Connection', 'close');
          return reject(err);
        }
        if (err instanceof multer.MulterError) {
          const tooLarge = ['LIMIT_FILE_SIZE', 'LIMIT_FILE_COUNT', 'LIMIT_FIELD_VALUE', 'LIMIT_PART_COUNT'].includes(
            err.code,
          );
          const detail =
            err.code === 'LIMIT_UNEXPECTED_FILE'
              ? `Unexpected file field "${err.field}"; files go in "${limits.fileField}" (at most ${limits.maxFiles})`
              : err.code === 'LIMIT_FILE_SIZE'
                ? `A file is larger than ${limits.maxFileSize / 1024 / 1024} MB (${limits.maxFileSize} bytes)`
                : err.code === 'LIMIT_FILE_COUNT'
                  ? `At most ${limits.maxFiles} files`
                  : err.message;
          return reject(new AppError(tooLarge ? 'too_large' : 'validation', detail));
        }
        return reject(new AppError('validation', `Malformed multipart body: ${(err as Error).message}`));
      }
      const files = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
        field: f.fieldname,
        filename: f.originalname,
        mediaType: f.mimetype.toLowerCase(),
        size: f.size,
        buffer: f.buffer,
      }));
      resolve({ fields: { ...(req.body as Record<string, unknown>) }, files });
    });
  });
}

/** Evidence may be documents, images or text; anything else (executables, archives, HTML) is refused. */
export const EVIDENCE_MEDIA_TYPES: Record<string, string[]> = {
  'application/pdf': ['.pdf'],
  'application/msword': ['.doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'application/vnd.ms-excel': ['.xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'application/vnd.ms-powerpoint': ['.ppt'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['.pptx'],
  'application/vnd.oasis.opendocument.text': ['.odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['.ods'],
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'text/plain': ['.txt', '.text', '.log'],
  'text/csv': ['.csv'],
  'text/markdown': ['.md'],
};

const startsWith = (buf: Buffer, bytes: number[]) => bytes.every((b, i) => buf[i] === b);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** The declared type must match the bytes, so a renamed executable cannot pass as a PDF. */
function contentMatches(mediaType: string, buf: Buffer): boolean {
  switch (mediaType) {
    case 'application/pdf':
      return buf.subarray(0, 1024).includes('%PDF-');
    case 'image/png':
      return startsWith(buf, [0x89, 0x50, 0x4e, 0x47]);
    case 'image/jpeg':
      return startsWith(buf, [0xff, 0xd8, 0xff]);
    case 'image/gif':
      return buf.subarray(0, 4).toString('latin1') === 'GIF8';
    case 'image/webp':
      return buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP';
    case 'application/msword':
    case 'application/vnd.ms-excel':
    case 'application/vnd.ms-powerpoint':
      return startsWith(buf, OLE);
    default:
      if (mediaType.startsWith('text/')) return !buf.includes(0) && isUtf8(buf);
      return startsWith(buf, ZIP); // OOXML and ODF are zip containers
  }
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

export function checkEvidenceFile(file: UploadedFile, index: number): void {
  const extensions = EVIDENCE_MEDIA_TYPES[file.mediaType];
  const where = `files[${index}] (${file.filename})`;
  if (!extensions)
    throw new AppError(
      'unsupported_media_type',
      `${where}: media type ${file.mediaType} is not accepted; send PDF, Office documents, images or text`,
    );
  const lower = file.filename.toLowerCase();
  if (!extensions.some((e) => lower.endsWith(e)))
    throw new AppError(
      'unsupported_media_type',
      `${where}: the name should end in ${extensions.join(' or ')} for ${file.mediaType}`,
    );
  if (file.size === 0) throw new AppError('validation', `${where}: the file is empty`);
  if (!contentMatches(file.mediaType, file.buffer))
    throw new AppError('unsupported_media_type', `${where}: the content is not ${file.mediaType}`);
  // Control and format characters (bidi overrides such as U+202E turn "invoice\u202Efdp.doc" into
  // "invoicecod.pdf" on screen), line separators and path separators: a name must show what it is.
  if (file.filename.length > 255 || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\]/u.test(file.filename)) {
    throw new AppError('validation', `${where}: the file name has control, format or path characters; rename the file`);
  }
}
