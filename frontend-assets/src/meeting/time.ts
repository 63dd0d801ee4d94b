import i18n from '../i18n';

// Meetings happen in Norway: times are typed and shown as Oslo wall time, sent with the offset.
const ZONE = 'Europe/Oslo';

function locale(): string {
  return i18n.language === 'en' ? 'en-GB' : i18n.language === 'nn' ? 'nn-NO' : 'nb-NO';
}

const pad = (n: number) => String(n).padStart(2, '0');

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Oslo's offset from UTC at an instant, in minutes (60 in winter, 120 in summer). */
function osloOffset(instant: number): number {
  const parts = wallClock.formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - instant) / 60_000);
}

/**
 * An Oslo date ("2027-03-28") and wall time ("10:00") as ISO 8601 with the offset that holds
 * then ("2027-03-28T10:00:00+02:00"); null when either is missing or malformed.
 */
export function osloIso(date: string, time: string): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // The offset depends on the instant, which depends on the offset: two rounds settle it
  // (also across the daylight-saving change).
  let offset = osloOffset(wall - 60 * 60_000);
  offset = osloOffset(wall - offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${date}T${time}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The date and the wall time of an Oslo local ISO string ("2027-03-28T10:00:00+02:00"). */
export function localParts(local: string | null | undefined): { date: string; time: string } {
  if (!local) return { date: '', time: '' };
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** "onsdag 28. mars 2027 kl. 10:00–11:30" in the reader's language, Oslo time. */
export function formatWhen(startsAt: string, endsAt: string): string {
  const day = new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeZone: ZONE });
  const time = new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone: ZONE });
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  if (day.format(start) === day.format(end)) {
    return `${day.format(start)}, ${time.format(start)}–${time.format(end)}`;
  }
  return `${day.format(start)}, ${time.format(start)} – ${day.format(end)}, ${time.format(end)}`;
}

/** "28. mars 2027, 10:00" — short, for lists and tables. */
export function formatStart(startsAt: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(
    new Date(startsAt),
  );
}

/** A language's name in the reader's language ("ar" -> "arabisk"). */
export function languageName(code: string | null | undefined): string {
  if (!code) return '';
  try {
    return new Intl.DisplayNames([locale()], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
