import { Heading, Link, List, Paragraph } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

const DEVIATIONS = ['live', 'tables', 'manual'] as const;

/** Tilgjengelighetserklæring, in the structure Uutilsynet asks of public services. */
export function Accessibility() {
  const { t } = useTranslation();
  const part = (name: 'standard' | 'status' | 'tested' | 'feedback') => (
    <section className="k-stack" aria-labelledby={`a11y-${name}`}>
      <Heading level={2} data-size="sm" id={`a11y-${name}`}>
        {t(`accessibility.${name}Title`)}
      </Heading>
      <Paragraph>{t(`accessibility.${name}`)}</Paragraph>
    </section>
  );
  return (
    <article className="k-stack k-prose">
      <Heading level={1} data-size="lg">
        {t('accessibility.title')}
      </Heading>
      <Paragraph>{t('accessibility.intro')}</Paragraph>
      {part('standard')}
      {part('status')}
      <section className="k-stack" aria-labelledby="a11y-deviations">
        <Heading level={2} data-size="sm" id="a11y-deviations">
          {t('accessibility.deviationsTitle')}
        </Heading>
        <List.Unordered>
          {DEVIATIONS.map((name) => (
            <List.Item key={name}>{t(`accessibility.deviations.${name}`)}</List.Item>
          ))}
        </List.Unordered>
      </section>
      {part('tested')}
      {part('feedback')}
      <section className="k-stack" aria-labelledby="a11y-authority">
        <Heading level={2} data-size="sm" id="a11y-authority">
          {t('accessibility.authorityTitle')}
        </Heading>
        <Paragraph>{t('accessibility.authority')}</Paragraph>
        <Paragraph>
          <Link href="https://www.uutilsynet.no/">{t('accessibility.authorityLink')}</Link>
        </Paragraph>
      </section>
    </article>
  );
}
