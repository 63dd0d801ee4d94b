import { Heading, List, Paragraph, Table } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

const STORED = ['child', 'network', 'family', 'consents', 'events', 'log'] as const;
const WHO = ['members', 'services', 'coordinator', 'guardians', 'others', 'child'] as const;
const CATEGORIES = ['HEALTH', 'SCHOOL', 'WELFARE', 'FAMILY', 'BARNEVERN'] as const;

type Part = 'barnevern' | 'protected' | 'log' | 'kept' | 'email' | 'rights';

/** How Koordinat uses data, in plain words; the rules themselves are in docs/policies.md. */
export function DataUse() {
  const { t } = useTranslation();
  const part = (name: Part) => (
    <section className="k-stack" aria-labelledby={`privacy-${name}`}>
      <Heading level={2} data-size="sm" id={`privacy-${name}`}>
        {t(`privacy.${name}Title`)}
      </Heading>
      <Paragraph>{t(`privacy.${name}`)}</Paragraph>
    </section>
  );
  return (
    <article className="k-stack k-prose">
      <Heading level={1} data-size="lg">
        {t('privacy.title')}
      </Heading>
      <Paragraph>{t('privacy.intro')}</Paragraph>
      <section className="k-stack" aria-labelledby="privacy-stored">
        <Heading level={2} data-size="sm" id="privacy-stored">
          {t('privacy.storedTitle')}
        </Heading>
        <List.Unordered>
          {STORED.map((name) => (
            <List.Item key={name}>{t(`privacy.stored.${name}`)}</List.Item>
          ))}
        </List.Unordered>
      </section>
      <section className="k-stack" aria-labelledby="privacy-who">
        <Heading level={2} data-size="sm" id="privacy-who">
          {t('privacy.whoTitle')}
        </Heading>
        <Paragraph>{t('privacy.whoIntro')}</Paragraph>
        <div className="k-table-wrap">
          <Table>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('privacy.who')}</Table.HeaderCell>
                <Table.HeaderCell>{t('privacy.sees')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {WHO.map((name) => (
                <Table.Row key={name}>
                  <Table.HeaderCell scope="row">{t(`privacy.rows.${name}.who`)}</Table.HeaderCell>
                  <Table.Cell>{t(`privacy.rows.${name}.sees`)}</Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      </section>
      <section className="k-stack" aria-labelledby="privacy-categories">
        <Heading level={2} data-size="sm" id="privacy-categories">
          {t('privacy.categoriesTitle')}
        </Heading>
        <Paragraph>{t('privacy.categories')}</Paragraph>
        <List.Unordered>
          {CATEGORIES.map((category) => (
            <List.Item key={category}>{t(`consent.categories.${category}`)}</List.Item>
          ))}
        </List.Unordered>
      </section>
      <section className="k-stack" aria-labelledby="privacy-age">
        <Heading level={2} data-size="sm" id="privacy-age">
          {t('privacy.ageTitle')}
        </Heading>
        <Paragraph>{t('privacy.age12')}</Paragraph>
        <Paragraph>{t('privacy.age16')}</Paragraph>
      </section>
      {part('barnevern')}
      {part('protected')}
      {part('log')}
      {part('kept')}
      {part('email')}
      {part('rights')}
    </article>
  );
}
