// errors.js: turns an ApiError into a sentence for a person, in the current
// language. Known codes have their own text; the server's message (English,
// factual) follows as the detail.

import { t, has } from './i18n.js';

export function describeError (error) {
  const code = error?.code ?? 'unknown';
  const key = `error.${code}`;
  const text = has(key) ? t(key) : t('error.unknown', { status: error?.status ?? '?' });
  const detail = error?.serverMessage;
  return detail ? t('error.withDetail', { text, detail }) : text;
}
