import { Heading, Paragraph } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="k-stack">
      <Heading level={1} data-size="lg">
        {t('app.name')}
      </Heading>
      <Paragraph>{t('app.notFound')}</Paragraph>
    </section>
  );
}
