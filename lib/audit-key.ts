import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where embedded mode keeps its audit key when AUDIT_KEY is not set. */
export const auditKeyFile = (dataDir: string): string => path.join(dataDir, 'audit.key');

/** The key from DATA_DIR, if one was made there. */
export function readAuditKeyFile(dataDir: string): string | undefined {
  try {
    const key = fs.readFileSync(auditKeyFile(dataDir), 'utf8').trim();
    return key.length >= 32 ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Embedded mode's key: made once (readable by this user only) and kept beside the data, so a
 * trial on one machine gets a signed chain with nothing configured. A real deployment sets
 * AUDIT_KEY and keeps it away from the database.
 */
export function embeddedAuditKey(dataDir: string): string {
  const existing = readAuditKeyFile(dataDir);
  if (existing) return existing;
  const key = randomBytes(32).toString('hex');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(auditKeyFile(dataDir), `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
