import { SkipLink } from '@digdir/designsystemet-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';

import { LanguagePicker } from './Layout';

/** On every page, signed in or not: the accessibility statement and how we use data. */
export function Footer() {
  const { t } = useTranslation();
  return (
    <footer className="k-footer">
      <nav aria-label={t('footer.label')}>
        <RouterLink to="/accessibility">{t('footer.accessibility')}</RouterLink>
        <RouterLink to="/privacy">{t('footer.privacy')}</RouterLink>
      </nav>
    </footer>
  );
}

/** The frame for public pages before sign-in: the name, the language, the page, the footer. */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <SkipLink href="#main">{t('app.skip')}</SkipLink>
      <header className="k-header">
        <RouterLink className="k-brand" to="/sign-in">
          {t('app.name')}
        </RouterLink>
        <LanguagePicker />
      </header>
      <main id="main" className="k-main" tabIndex={-1}>
        {children}
      </main>
      <Footer />
    </>
  );
}
