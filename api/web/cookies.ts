import type { Request, Response } from 'express';

/** Every cookie the pages set: HttpOnly, SameSite=Lax, path /, Secure when the site is served over https. */
export function setCookie(
  res: Response,
  name: string,
  value: string,
  opts: { secure: boolean; maxAgeSeconds?: number },
): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export const clearCookie = (res: Response, name: string, secure: boolean): void =>
  setCookie(res, name, '', { secure, maxAgeSeconds: 0 });

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
