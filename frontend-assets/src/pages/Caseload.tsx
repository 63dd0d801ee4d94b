import { Heading, Paragraph, Search, Spinner, Table, Tag } from '@digdir/designsystemet-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { MyCaseloadDocument, MyNotificationsDocument } from '../gql/graphql';
import type { MyCaseloadQuery } from '../gql/graphql';
import { formatDate } from '../format';
import { useMyChanges, useReloadOnChange } from '../live';
import { NextMeetingCell, useNextMeetings } from '../meeting/NextMeeting';
import type { MeetingSummary } from '../meeting/common';
import { NeedingAttention } from '../pathway/NeedingAttention';
import { PlanBadges, usePlanSummaries } from '../plan/PlanBadges';
import type { PlanSummary } from '../plan/PlanBadges';

type CaseloadChild = MyCaseloadQuery['myChildren']['edges'][number]['node'];

export function childName(child: { givenName?: string | null; familyName: string }): string {
  return [child.givenName, child.familyName].filter(Boolean).join(' ');
}

function matches(child: CaseloadChild, search: string): boolean {
  const needle = search.trim().toLocaleLowerCase('nb');
  return !needle || childName(child).toLocaleLowerCase('nb').includes(needle);
}

function ChildTable({
  caption,
  children,
  unread,
  search,
  plans,
  meetings,
}: {
  caption: string;
  children: CaseloadChild[];
  unread: Map<string, number>;
  search: string;
  plans: Map<string, PlanSummary | null>;
  meetings: Map<string, MeetingSummary>;
}) {
  const { t } = useTranslation();
  const shown = children.filter((c) => matches(c, search));
  return (
    <section className="k-stack" aria-label={caption}>
      <Heading level={2} data-size="sm">
        {caption}
      </Heading>
      {children.length === 0 ? (
        <Paragraph>{t('caseload.none')}</Paragraph>
      ) : shown.length === 0 ? (
        <Paragraph>{t('caseload.noMatch')}</Paragraph>
      ) : (
        <div className="k-table-wrap">
          <Table zebra>
            <Table.Head>
              <Table.Row>
                <Table.HeaderCell>{t('caseload.name')}</Table.HeaderCell>
                <Table.HeaderCell>{t('caseload.born')}</Table.HeaderCell>
                <Table.HeaderCell>{t('caseload.network')}</Table.HeaderCell>
                <Table.HeaderCell>{t('caseload.guardians')}</Table.HeaderCell>
                <Table.HeaderCell>{t('caseload.unread')}</Table.HeaderCell>
                <Table.HeaderCell>{t('caseload.plan')}</Table.HeaderCell>
                <Table.HeaderCell>{t('meeting.caseload.next')}</Table.HeaderCell>
              </Table.Row>
            </Table.Head>
            <Table.Body>
              {shown.map((child) => {
                const guardians = child.network.filter((m) => m.role === 'GUARDIAN');
                const count = unread.get(child.id) ?? 0;
                return (
                  <Table.Row key={child.id}>
                    <Table.Cell>
                      <RouterLink to={`/children/${child.id}`}>{childName(child)}</RouterLink>{' '}
                      {child.addressProtection !== 'NONE' && (
                        <Tag data-color="warning" data-size="sm">
                          {t(`child.protectionLevels.${child.addressProtection}`)}
                        </Tag>
                      )}
                    </Table.Cell>
                    <Table.Cell>
                      {child.isExpected
                        ? t('child.expected', { date: formatDate(child.expectedDate) })
                        : formatDate(child.birthDate)}
                    </Table.Cell>
                    <Table.Cell>{t('caseload.members', { count: child.network.length })}</Table.Cell>
                    <Table.Cell>{guardians.map((g) => g.person?.name).filter(Boolean).join(', ')}</Table.Cell>
                    <Table.Cell>
                      {count > 0 ? (
                        <Tag data-color="info" data-size="sm">
                          {count}
                        </Tag>
                      ) : (
                        '0'
                      )}
                    </Table.Cell>
                    <Table.Cell>
                      <PlanBadges summary={plans.get(child.id) ?? null} known={plans.has(child.id)} />
                    </Table.Cell>
                    <Table.Cell>
                      <NextMeetingCell meeting={meetings.get(child.id)} />
                    </Table.Cell>
                  </Table.Row>
                );
              })}
            </Table.Body>
          </Table>
        </div>
      )}
    </section>
  );
}

export function Caseload() {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const changes = useMyChanges();
  const [mine, refetchMine] = useQuery({
    query: MyCaseloadDocument,
    variables: { role: 'COORDINATOR', first: 100 },
  });
  const [all, refetchAll] = useQuery({ query: MyCaseloadDocument, variables: { first: 100 } });
  const [notes, refetchNotes] = useQuery({
    query: MyNotificationsDocument,
    variables: { unreadOnly: true, first: 100 },
  });
  useReloadOnChange(changes, () => {
    refetchMine({ requestPolicy: 'network-only' });
    refetchAll({ requestPolicy: 'network-only' });
    refetchNotes({ requestPolicy: 'network-only' });
  });

  const plans = usePlanSummaries(changes);
  const meetings = useNextMeetings(changes);
  const unread = useMemo(() => {
    const counts = new Map<string, number>();
    for (const edge of notes.data?.myNotifications.edges ?? []) {
      const childId = edge.node.childId;
      if (childId) counts.set(childId, (counts.get(childId) ?? 0) + 1);
    }
    return counts;
  }, [notes.data]);

  const coordinated = (mine.data?.myChildren.edges ?? []).map((e) => e.node);
  const coordinatedIds = new Set(coordinated.map((c) => c.id));
  const others = (all.data?.myChildren.edges ?? []).map((e) => e.node).filter((c) => !coordinatedIds.has(c.id));

  return (
    <>
      <div className="k-row" style={{ justifyContent: 'space-between' }}>
        <Heading level={1} data-size="lg">
          {t('caseload.title')}
        </Heading>
        <span className="k-muted" aria-live="polite">
          {t('app.live')}
        </span>
      </div>
      <Search>
        <Search.Input
          aria-label={t('caseload.search')}
          placeholder={t('caseload.search')}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <Search.Clear onClick={() => setSearch('')} />
      </Search>
      <RequestError error={mine.error ?? all.error} />
      {mine.fetching && !mine.data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : (
        <>
          <ChildTable
            caption={t('caseload.coordinatorOf')}
            children={coordinated}
            unread={unread}
            search={search}
            plans={plans}
            meetings={meetings}
          />
          <NeedingAttention scope="MINE" changes={changes} />
          {others.length > 0 && (
            <ChildTable
              caption={t('caseload.memberOf')}
              children={others}
              unread={unread}
              search={search}
              plans={plans}
              meetings={meetings}
            />
          )}
        </>
      )}
    </>
  );
}
