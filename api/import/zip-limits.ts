/**
 * A workbook is a zip: a few kilobytes can inflate to gigabytes. Before a workbook is parsed,
 * its central directory is read and every entry is inflated here against one budget for the
 * whole archive, so a decompression bomb is refused without ever being held in memory, whether
 * its directory states the true sizes or lies about them.
 */
import zlib from 'node:zlib';
import { AppError } from '../../lib/errors';

/** Inflated size of a whole workbook; a 2,000-row action plan is well under 1 MB. */
export const MAX_WORKBOOK_INFLATED_BYTES = 20 * 1024 * 1024;
export const MAX_WORKBOOK_ENTRIES = 1000;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const notZip = (why: string) => new AppError('validation', `The XLSX file cannot be read: ${why}`);
// 400, not 413: the upload itself is small; what it would become is what is refused.
const tooLarge = (what: string) =>
  new AppError(
    'validation',
    `The workbook ${what}; an action plan workbook inflates to at most ${MAX_WORKBOOK_INFLATED_BYTES / 1024 / 1024} MB`,
  );

function centralDirectory(buf: Buffer): { count: number; offset: number } {
  const from = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= from; i--) {
    if (buf.readUInt32LE(i) !== EOCD) continue;
    let count = buf.readUInt16LE(i + 10);
    let offset = buf.readUInt32LE(i + 16);
    if (count === 0xffff || offset === 0xffffffff) {
      const loc = i - 20;
      if (loc < 0 || buf.readUInt32LE(loc) !== ZIP64_LOCATOR) throw notZip('a zip64 archive without its locator');
      const z = Number(buf.readBigUInt64LE(loc + 8));
      if (z + 56 > buf.length || buf.readUInt32LE(z) !== ZIP64_EOCD) throw notZip('a damaged zip64 directory');
      count = Number(buf.readBigUInt64LE(z + 32));
      offset = Number(buf.readBigUInt64LE(z + 48));
    }
    return { count, offset };
  }
  throw notZip('no zip directory found');
}

function readEntries(buf: Buffer): Entry[] {
  const { count, offset } = centralDirectory(buf);
  if (count > MAX_WORKBOOK_ENTRIES) throw tooLarge(`has ${count} parts`);
  const entries: Entry[] = [];
  let p = offset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw notZip('a damaged zip directory');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const e: Entry = {
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
    };
    // Zip64 sizes live in the extra field (id 1), in this order, only for the fields that overflowed.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 1) {
        let q = x + 4;
        const next = () => {
          const v = Number(buf.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (e.size === 0xffffffff) e.size = next();
        if (e.compressedSize === 0xffffffff) e.compressedSize = next();
        if (e.localOffset === 0xffffffff) e.localOffset = next();
      }
      x += 4 + len;
    }
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Refuses a workbook that states, or turns out to have, more inflated content than the budget. */
export function checkWorkbookSize(buf: Buffer): void {
  const entries = readEntries(buf);
  const stated = entries.reduce((sum, e) => sum + e.size, 0);
  if (stated > MAX_WORKBOOK_INFLATED_BYTES) throw tooLarge(`inflates to ${Math.round(stated / 1024 / 1024)} MB`);
  // The directory may lie: inflate each part with what is left of the budget as a hard cap.
  let left = MAX_WORKBOOK_INFLATED_BYTES;
  for (const e of entries) {
    const at = e.localOffset;
    if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) throw notZip(`a damaged entry ${e.name}`);
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    const data = buf.subarray(start, start + e.compressedSize);
    let inflated: number;
    if (e.method === 0) inflated = data.length;
    else if (e.method === 8) {
      try {
        inflated = zlib.inflateRawSync(data, { maxOutputLength: left + 1 }).length;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
          throw tooLarge('inflates to more than its directory says');
        throw notZip(`the part ${e.name} is damaged`);
      }
    } else throw notZip(`the part ${e.name} uses an unsupported compression method`);
    if (inflated > left) throw tooLarge('inflates to more than its directory says');
    left -= inflated;
  }
}
