import { Button, Heading, Paragraph, Spinner, Table } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { CombinedError } from 'urql';
import { useClient, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';

import { RequestError } from '../components/Errors';
import { SecurityReviewDocument } from '../gql/graphql';
import type { SecurityReviewQuery } from '../gql/graphql';
import { formatDateTime } from '../format';

type Probe = SecurityReviewQuery['securityReview']['edges'][number]['node'];

/**
 * The kommune's security review (sikkerhetsgjennomgang): refused probes by people outside a
 * child's network. Who tried and when, never the child's information; the server answers empty
 * for anyone outside the coordinating unit, and logs every read.
 */
export function SecurityReview() {
  const { t } = useTranslation();
  const client = useClient();
  const [{ data, fetching, error }] = useQuery({
    query: SecurityReviewDocument,
    variables: { first: 20 },
    requestPolicy: 'network-only',
  });
  const [older, setOlder] = useState<{ probes: Probe[]; cursor: string | null; hasMore: boolean } | null>(null);
  const [olderError, setOlderError] = useState<CombinedError | undefined>();

  const first = data?.securityReview;
  const probes = [...(first?.edges.map((e) => e.node) ?? []), ...(older?.probes ?? [])].filter(
    (probe, index, all) => all.findIndex((p) => p.id === probe.id) === index,
  );
  const hasMore = older ? older.hasMore : (first?.pageInfo.hasNextPage ?? false);
  const cursor = older ? older.cursor : (first?.pageInfo.endCursor ?? null);

  async function showOlder() {
    const response = await client
      .query(SecurityReviewDocument, { first: 20, after: cursor }, { requestPolicy: 'network-only' })
      .toPromise();
    setOlderError(response.error);
    const page = response.data?.securityReview;
    if (page) {
      setOlder({
        probes: [...(older?.probes ?? []), ...page.edges.map((e) => e.node)],
        cursor: page.pageInfo.endCursor ?? null,
        hasMore: page.pageInfo.hasNextPage,
      });
    }
  }

  return (
    <section className="k-stack" aria-labelledby="security-heading">
      <Heading level={2} data-size="sm" id="security-heading">
        {t('security.title')}
      </Heading>
      <Paragraph>{t('security.intro')}</Paragraph>
      <RequestError error={error ?? olderError} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : probes.length === 0 ? (
        <Paragraph>{t('security.none')}</Paragraph>
      ) : (
        <div className="k-table-wrap" tabIndex={0} role="group" aria-labelledby="security-heading">
          <Table zebra>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('security.when')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.who')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.organisation')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.refused')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.purpose')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.via')}</Table.HeaderCell>
                <Table.HeaderCell>{t('security.child')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {probes.map((probe) => (
                <Table.Row key={probe.id}>
                  <Table.Cell>{formatDateTime(probe.at)}</Table.Cell>
                  <Table.Cell>{probe.who}</Table.Cell>
                  <Table.Cell>{probe.organisation ?? ''}</Table.Cell>
                  <Table.Cell>{probe.refused.join(', ')}</Table.Cell>
                  <Table.Cell>{probe.purpose}</Table.Cell>
                  <Table.Cell>{probe.via}</Table.Cell>
                  <Table.Cell>
                    <code>{probe.childRef.slice(-8)}</code>
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {hasMore && probes.length > 0 && (
        <div>
          <Button variant="secondary" onClick={() => void showOlder()}>
            {t('security.older')}
          </Button>
        </div>
      )}
    </section>
  );
}
