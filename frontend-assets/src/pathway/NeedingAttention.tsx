import { Heading, Paragraph, Spinner, Table } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { PathwayNeedingAttentionDocument } from '../gql/graphql';
import type { MilestoneScope } from '../gql/graphql';
import { formatDate } from '../format';
import { useReloadOnChange } from '../live';
import { childName } from '../pages/Caseload';
import { MilestoneTag } from './Timeline';

/**
 * Missed and soon-due milestones: the coordinator's own children (MINE), or the whole kommune
 * for the coordinating unit (KOMMUNE).
 */
export function NeedingAttention({ scope, changes }: { scope: MilestoneScope; changes: number }) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: PathwayNeedingAttentionDocument, variables: { scope } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const rows = [...(data?.milestonesNeedingAttention ?? [])].sort((a, b) => a.milestone.dueOn.localeCompare(b.milestone.dueOn));
  const headingId = `attention-${scope.toLowerCase()}`;
  return (
    <section className="k-stack" aria-labelledby={headingId}>
      <Heading level={2} data-size="sm" id={headingId}>
        {t(scope === 'MINE' ? 'pathway.attention.mine' : 'pathway.attention.kommune')}
      </Heading>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : rows.length === 0 ? (
        <Paragraph>{t('pathway.attention.none')}</Paragraph>
      ) : (
        <div className="k-table-wrap">
          <Table zebra>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('right.child')}</Table.HeaderCell>
                <Table.HeaderCell>{t('pathway.milestone')}</Table.HeaderCell>
                <Table.HeaderCell>{t('pathway.due')}</Table.HeaderCell>
                <Table.HeaderCell>{t('right.statusLabel')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {rows.map(({ milestone, child }) => (
                <Table.Row key={milestone.id}>
                  <Table.Cell>
                    <RouterLink to={`/children/${child.id}`}>{childName(child) || t('child.unnamed')}</RouterLink>
                  </Table.Cell>
                  <Table.Cell>{milestone.title}</Table.Cell>
                  <Table.Cell>{formatDate(milestone.dueOn)}</Table.Cell>
                  <Table.Cell>
                    <MilestoneTag status={milestone.status} />
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
    </section>
  );
}
