/**
 * A browser reduced to what the server-rendered pages need: a cookie jar, form posts, and
 * redirects left for the caller to follow. For tests that drive a running server over HTTP
 * where a real Chromium would be more than the check needs.
 */
export class CookieBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(
    path: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      body?: FormData | string;
      headers?: Record<string, string>;
      /** Give up after this long (the fetch rejects with a TimeoutError). */
      timeoutMs?: number;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: FormData | string | undefined = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
      signal: init.timeoutMs ? AbortSignal.timeout(init.timeoutMs) : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** The hidden CSRF field of the last form on a page. */
  static csrfOf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('no _csrf field on the page');
    return m[1];
  }
}
