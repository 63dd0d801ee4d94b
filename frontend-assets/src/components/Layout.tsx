import { Alert, Button, Field, Label, Select, SkipLink } from '@digdir/designsystemet-react';
import { useCallback, useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useLocation } from 'react-router';
import { useMutation } from 'urql';

import { SetMyLanguageDocument } from '../gql/graphql';
import type { MeQuery } from '../gql/graphql';
import { LANGUAGES, choosePending, confirmChoice } from '../i18n';
import type { Language } from '../i18n';
import { useConnection } from '../live';
import { Footer } from './Footer';
import { NotificationsLink } from './NotificationsLink';

const LANGUAGE_NAMES: Record<string, string> = { nb: 'Bokmål', nn: 'Nynorsk', en: 'English' };

export type Me = NonNullable<MeQuery['me']>;

/** Keeps a language on the person (e-mails and messages follow it), and in this browser until
 * the server has confirmed it. */
export function useSaveLanguage(): (person: string, language: Language) => void {
  const [, setMyLanguage] = useMutation(SetMyLanguageDocument);
  return useCallback(
    (person: string, language: Language) => {
      choosePending(person, language);
      void setMyLanguage({ input: { language } }).then((result) => {
        if (!result.error && !result.data?.setMyLanguage.errors.length) confirmChoice(person, language);
      });
    },
    [setMyLanguage],
  );
}

export function LanguagePicker({ personId }: { personId?: string }) {
  const { t, i18n } = useTranslation();
  const save = useSaveLanguage();
  return (
    <Field>
      <Label>{t('app.language')}</Label>
      <Select
        value={i18n.language}
        onChange={(event) => {
          const language = event.target.value as Language;
          void i18n.changeLanguage(language);
          if (personId) save(personId, language);
        }}
        data-size="sm"
      >
        {LANGUAGES.map((language) => (
          <Select.Option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </Select.Option>
        ))}
      </Select>
    </Field>
  );
}

/** Moves focus to the page's main content when the route changes (not on first load). */
function useFocusOnNavigation() {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [location.pathname]);
}

function ConnectionStatus() {
  const { t } = useTranslation();
  const state = useConnection();
  return (
    <div aria-live="polite" className="k-connection">
      {state === 'reconnecting' && (
        <Alert data-color="warning" data-size="sm">
          {t('app.offline')}
        </Alert>
      )}
    </div>
  );
}

export function Layout({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useTranslation();
  useFocusOnNavigation();
  return (
    <>
      <SkipLink href="#main">{t('app.skip')}</SkipLink>
      <header className="k-header">
        <RouterLink className="k-brand" to="/">
          {t('app.name')}
        </RouterLink>
        <nav aria-label={t('app.name')}>
          {me.kind === 'STAFF' ? (
            <>
              <RouterLink to="/caseload">{t('nav.caseload')}</RouterLink>
              <RouterLink to="/children/new">{t('nav.register')}</RouterLink>
              {me.inCoordinatingUnit && <RouterLink to="/kommune/requests">{t('right.inbox.nav')}</RouterLink>}
              {me.inCoordinatingUnit && <RouterLink to="/admin">{t('admin.nav')}</RouterLink>}
            </>
          ) : (
            <RouterLink to="/family">{t('nav.family')}</RouterLink>
          )}
          <RouterLink to="/meetings">{t('meeting.nav')}</RouterLink>
          <NotificationsLink />
          <span className="k-muted">{me.name}</span>
          <LanguagePicker personId={me.id} />
          <form method="post" action="/auth/logout">
            <Button type="submit" variant="tertiary" data-size="sm">
              {t('app.signOut')}
            </Button>
          </form>
        </nav>
      </header>
      <ConnectionStatus />
      <main id="main" className="k-main" tabIndex={-1}>
        {children}
      </main>
      <Footer />
    </>
  );
}
