/**
 * What may be shown of a configuration value. A variable whose name says it is secret is never
 * shown; a URL is shown without the user and password it may carry.
 */
const SECRET_NAME = /(^|_)(TOKEN|PASSWORD|PASS|SECRET|KEY)(_|$)/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !name.endsWith('_PATH');
}

/** The URL with any user and password replaced, for messages, logs and start-up banners. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = '***';
    url.password = '';
    return url.toString();
  } catch {
    return value;
  }
}

/** The value as it may appear in an error message, or undefined when it must not appear at all. */
export function showableValue(name: string, value: string): string | undefined {
  if (isSecretName(name)) return undefined;
  return redactUrl(value);
}
