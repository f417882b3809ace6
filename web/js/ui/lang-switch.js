// lang-switch.js: the visible language switch (English / 中文). Pressing a
// button changes the language everywhere and remembers it.

import { h } from '../dom.js';
import { LANGUAGES, language, setLanguage, t } from '../i18n.js';

export function langSwitch () {
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('lang.label') },
    LANGUAGES.map((l) => h('button', {
      type: 'button',
      class: 'lang-option',
      lang: l.code,
      dataset: { lang: l.code },
      'aria-pressed': l.code === language() ? 'true' : 'false',
      text: l.label,
      on: { click: () => setLanguage(l.code) },
    })));
}
