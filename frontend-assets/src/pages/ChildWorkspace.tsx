import { Alert, Heading, Paragraph, Spinner, Tabs, Tag } from '@digdir/designsystemet-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import type { Me } from '../components/Layout';
import { ChildDocument } from '../gql/graphql';
import { ageOn, formatDate } from '../format';
import { useChildEvents, useReloadOnChange } from '../live';
import { ChildMeetings } from '../meeting/ChildMeetings';
import { childName } from './Caseload';
import { AccessLogPanel } from './child/AccessLogPanel';
import { ConsentsPanel } from './child/ConsentsPanel';
import { DetailsPanel } from './child/DetailsPanel';
import { NetworkPanel } from './child/NetworkPanel';
import { PathwayPanel } from './child/PathwayPanel';
import { PlanPanel } from './child/PlanPanel';
import { TimelinePanel } from './child/TimelinePanel';
import { NotFound } from './NotFound';

export function ChildWorkspace({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: ChildDocument, variables: { id } });
  const { events, changes } = useChildEvents(id);
  // A tab's own reads (plan, pathway, meetings, consents, access log) wait until it is opened,
  // not with every visit to the child: each read is also a row in the child's access log.
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set(['overview']));
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));

  if (fetching && !data) return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  if (error && !data) return <RequestError error={error} />;
  const child = data?.child;
  if (!child) return <NotFound />;

  const mine = child.network.find((m) => m.person?.id === me.id);
  const isCoordinator = child.coordinator?.person?.id === me.id;
  const age = ageOn(child.birthDate);
  return (
    <>
      <header className="k-stack">
        <Heading level={1} data-size="lg">
          {childName(child) || t('child.unnamed')}
        </Heading>
        <div className="k-row">
          <span>
            {child.isExpected
              ? t('child.expected', { date: formatDate(child.expectedDate) })
              : t('child.born', { date: formatDate(child.birthDate) })}
            {age !== null && !child.isExpected ? ` · ${t('child.age', { age })}` : ''}
          </span>
          {child.addressProtection !== 'NONE' && (
            <Tag data-color="warning">{t(`child.protectionLevels.${child.addressProtection}`)}</Tag>
          )}
          {mine && <Tag data-color="neutral">{t(`network.roles.${mine.role}`)}</Tag>}
          <span className="k-muted">{t('app.live')}</span>
        </div>
      </header>
      {error && <RequestError error={error} />}
      {!child.coordinator && <Alert data-color="warning">{t('network.noCoordinator')}</Alert>}
      <Tabs
        defaultValue="overview"
        onChange={(tab) => setOpened((prev) => (prev.has(tab) ? prev : new Set([...prev, tab])))}
      >
        <Tabs.List>
          <Tabs.Tab value="overview">{t('child.tabs.overview')}</Tabs.Tab>
          <Tabs.Tab value="network">{t('child.tabs.network')}</Tabs.Tab>
          <Tabs.Tab value="consents">{t('child.tabs.consents')}</Tabs.Tab>
          <Tabs.Tab value="plan">{t('child.tabs.plan')}</Tabs.Tab>
          <Tabs.Tab value="pathway">{t('pathway.tab')}</Tabs.Tab>
          <Tabs.Tab value="meetings">{t('meeting.child.tab')}</Tabs.Tab>
          <Tabs.Tab value="log">{t('child.tabs.log')}</Tabs.Tab>
          <Tabs.Tab value="timeline">{t('child.tabs.timeline')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">
          <DetailsPanel child={child} canEdit={isCoordinator} myRole={mine?.role ?? null} />
        </Tabs.Panel>
        <Tabs.Panel value="network">
          <NetworkPanel child={child} me={me} canManage={isCoordinator} />
        </Tabs.Panel>
        <Tabs.Panel value="consents">
          <ConsentsPanel child={child} myRole={mine?.role ?? null} changes={changes} opened={opened.has('consents')} />
        </Tabs.Panel>
        <Tabs.Panel value="plan">
          <PlanPanel child={child} me={me} myRole={mine?.role ?? null} changes={changes} opened={opened.has('plan')} />
        </Tabs.Panel>
        <Tabs.Panel value="pathway">
          <PathwayPanel
            child={child}
            me={me}
            canManage={isCoordinator || me.inCoordinatingUnit}
            myMemberIds={new Set(child.network.filter((m) => m.person?.id === me.id).map((m) => m.id))}
            changes={changes}
            opened={opened.has('pathway')}
          />
        </Tabs.Panel>
        <Tabs.Panel value="meetings">
          <ChildMeetings childId={child.id} canSchedule={isCoordinator} changes={changes} opened={opened.has('meetings')} />
        </Tabs.Panel>
        <Tabs.Panel value="log">
          <AccessLogPanel childId={child.id} changes={changes} opened={opened.has('log')} />
        </Tabs.Panel>
        <Tabs.Panel value="timeline">
          <TimelinePanel events={events} />
        </Tabs.Panel>
      </Tabs>
      <Paragraph className="k-muted" data-size="sm">
        {child.municipality?.name ?? ''}
      </Paragraph>
    </>
  );
}
