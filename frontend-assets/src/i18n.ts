import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

import { en } from './locales/en';
import { nb } from './locales/nb';
import { nn } from './locales/nn';

export const LANGUAGES = ['nb', 'nn', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'koordinat.language';

function initialLanguage(): Language {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(stored ?? '') ? (stored as Language) : 'nb';
}

void i18n.use(initReactI18next).init({
  resources: { nb: { translation: nb }, nn: { translation: nn }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'nb',
  interpolation: { escapeValue: false },
});

// A choice made in this browser that the server has not confirmed yet (the page was reloaded
// or left while it was being saved): it wins over the language kept on the person, and is
// sent again. Kept per person: someone else signing in on this browser has their own.
const PENDING_KEY = 'koordinat.language.pending';

function readPending(): { person: string; language: Language } | null {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(PENDING_KEY) ?? 'null');
    if (value && typeof value === 'object' && 'person' in value && 'language' in value) {
      const { person, language } = value as { person: unknown; language: unknown };
      if (typeof person === 'string' && (LANGUAGES as readonly unknown[]).includes(language)) {
        return { person, language: language as Language };
      }
    }
  } catch {
    // Unreadable: as if nothing were pending.
  }
  return null;
}

export function choosePending(person: string, language: Language): void {
  window.localStorage.setItem(PENDING_KEY, JSON.stringify({ person, language }));
}

export function pendingChoice(person: string): Language | null {
  const pending = readPending();
  return pending && pending.person === person ? pending.language : null;
}

export function confirmChoice(person: string, language: string): void {
  const pending = readPending();
  if (pending && pending.person === person && pending.language === language) {
    window.localStorage.removeItem(PENDING_KEY);
  }
}

i18n.on('languageChanged', (language) => {
  window.localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
});
document.documentElement.lang = i18n.language;

export default i18n;
