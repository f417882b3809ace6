// zone.js: the name of a time zone for people ("Beijing time"), translated
// where rvi knows the zone, the IANA name otherwise.

import { t, has } from './i18n.js';
import { offsetLabel } from './time.js';

export function zoneName (zone) {
  const key = `zone.${zone}`;
  return has(key) ? t(key) : zone;
}

// "Beijing time, UTC+8": for column headers of times.
export function zoneCaption (zone) {
  return t('zone.caption', { zone: zoneName(zone), offset: offsetLabel(zone) });
}
