import { Field, Heading, Label, Paragraph, Select, Spinner, Table, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import type { Me } from '../components/Layout';
import { RightRequestsDocument } from '../gql/graphql';
import type { CoordinatorRequestStatus } from '../gql/graphql';
import { formatDate, formatDateTime } from '../format';
import { useMyChanges, useReloadOnChange } from '../live';
import { NeedingAttention } from '../pathway/NeedingAttention';
import { REQUEST_STATUSES, StatusTag, decisionOverdue, latestDecision } from '../right/common';
import { NotForYou } from './Admin';

/**
 * The coordinating unit's inbox: its kommune's requests for a barnekoordinator with their
 * deadlines. Only for staff of a coordinating unit (the server answers empty for others).
 */
export function Requests({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState('');
  const changes = useMyChanges();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: RightRequestsDocument,
    variables: { status: status ? [status as CoordinatorRequestStatus] : null, first: 100 },
    pause: me.kind !== 'STAFF' || !me.inCoordinatingUnit,
  });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  if (me.kind !== 'STAFF' || !me.inCoordinatingUnit) return <NotForYou />;
  const requests = (data?.coordinatorRequests.edges ?? []).map((e) => e.node);
  return (
    <>
      <div className="k-row" style={{ justifyContent: 'space-between' }}>
        <Heading level={1} data-size="lg">
          {t('right.inbox.title')}
        </Heading>
        <span className="k-muted">{t('app.live')}</span>
      </div>
      <Paragraph>{t('right.inbox.intro')}</Paragraph>
      <Field style={{ maxWidth: '24rem' }}>
        <Label htmlFor="requests-status">{t('right.inbox.filter')}</Label>
        <Select id="requests-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <Select.Option value="">{t('right.inbox.all')}</Select.Option>
          {REQUEST_STATUSES.map((s) => (
            <Select.Option key={s} value={s}>
              {t(`right.status.${s}`)}
            </Select.Option>
          ))}
        </Select>
      </Field>
      <RequestError error={error} />
      <section className="k-stack" aria-labelledby="requests-heading">
        <Heading level={2} data-size="sm" id="requests-heading">
          {t('right.inbox.requests')}
        </Heading>
        {fetching && !data ? (
          <Spinner aria-label={t('app.loading')} />
        ) : requests.length === 0 ? (
          <Paragraph>{t('right.inbox.none')}</Paragraph>
        ) : (
          <div className="k-table-wrap">
            <Table zebra>
              <Table.Head>
                <Table.Row>
                  <Table.HeaderCell>{t('right.child')}</Table.HeaderCell>
                  <Table.HeaderCell>{t('right.statusLabel')}</Table.HeaderCell>
                  <Table.HeaderCell>{t('right.submitted')}</Table.HeaderCell>
                  <Table.HeaderCell>{t('right.decisionDue')}</Table.HeaderCell>
                  <Table.HeaderCell>{t('right.appealDeadline')}</Table.HeaderCell>
                </Table.Row>
              </Table.Head>
              <Table.Body>
                {requests.map((request) => {
                  const decision = latestDecision(request);
                  const late = request.appeals.some((a) => a.late);
                  return (
                    <Table.Row key={request.id}>
                      <Table.Cell>
                        <RouterLink to={`/kommune/requests/${request.id}`}>{request.childName}</RouterLink>
                        {request.expectedDate && (
                          <div className="k-muted">{t('child.expected', { date: formatDate(request.expectedDate) })}</div>
                        )}
                      </Table.Cell>
                      <Table.Cell>
                        <StatusTag status={request.status} />
                      </Table.Cell>
                      <Table.Cell>{formatDateTime(request.submittedAt)}</Table.Cell>
                      <Table.Cell>
                        {formatDate(request.decisionDueOn)}{' '}
                        {decisionOverdue(request) && (
                          <Tag data-color="danger" data-size="sm">
                            {t('right.overdue')}
                          </Tag>
                        )}
                      </Table.Cell>
                      <Table.Cell>
                        {decision?.appealDeadline ? formatDate(decision.appealDeadline) : ''}{' '}
                        {late && (
                          <Tag data-color="warning" data-size="sm">
                            {t('right.lateAppealShort')}
                          </Tag>
                        )}
                      </Table.Cell>
                    </Table.Row>
                  );
                })}
              </Table.Body>
            </Table>
          </div>
        )}
      </section>
      <NeedingAttention scope="KOMMUNE" changes={changes} />
    </>
  );
}
