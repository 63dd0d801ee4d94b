import { Card, Heading, Paragraph, Spinner, Tag } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink } from 'react-router';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { ChildContactsDocument, MeDocument, MyCaseloadDocument } from '../gql/graphql';
import { formatDate } from '../format';
import { useMyChanges, useReloadOnChange } from '../live';
import { FamilyMeetings } from '../meeting/NextMeeting';
import { FamilyPlan } from '../plan/FamilyPlan';
import { FamilyRight } from '../right/FamilyRight';
import { childName } from './Caseload';

function Contacts({ childId, changes }: { childId: string; changes: number }) {
  const { t } = useTranslation();
  const [{ data }, refetch] = useQuery({ query: ChildContactsDocument, variables: { id: childId } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const members = (data?.child?.network ?? []).filter((m) => m.role !== 'GUARDIAN' && m.role !== 'CHILD');
  if (!members.length) return null;
  return (
    <section aria-label={t('family.whoToContact')} className="k-stack">
      <Heading level={3} data-size="xs">
        {t('family.whoToContact')}
      </Heading>
      <ul>
        {members.map((member) => (
          <li key={member.id}>
            <strong>{member.person?.name}</strong> – {t(`network.roles.${member.role}`)}
            {member.service ? `, ${member.service.name}` : ''}
            {member.person?.email && (
              <>
                {' · '}
                <a href={`mailto:${member.person.email}`}>{member.person.email}</a>
              </>
            )}
            {member.person?.phone && (
              <>
                {' · '}
                <a href={`tel:${member.person.phone}`}>{member.person.phone}</a>
              </>
            )}
            {member.responsibilities && <div className="k-muted">{member.responsibilities}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Family() {
  const { t } = useTranslation();
  const changes = useMyChanges();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyCaseloadDocument, variables: { first: 100 } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const children = (data?.myChildren.edges ?? []).map((e) => e.node);
  const [{ data: who }] = useQuery({ query: MeDocument });
  return (
    <>
      <Heading level={1} data-size="lg">
        {t('family.title')}
      </Heading>
      <Paragraph>{t('family.intro')}</Paragraph>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : children.length === 0 ? (
        <Paragraph>{t('family.none')}</Paragraph>
      ) : (
        <div className="k-stack">
          {children.map((child) => (
            <Card key={child.id}>
              <div className="k-stack">
                <Heading level={2} data-size="sm">
                  <RouterLink to={`/children/${child.id}`}>{childName(child)}</RouterLink>
                </Heading>
                <div className="k-row">
                  <span>
                    {child.isExpected
                      ? t('child.expected', { date: formatDate(child.expectedDate) })
                      : t('child.born', { date: formatDate(child.birthDate) })}
                  </span>
                  {child.addressProtection !== 'NONE' && (
                    <Tag data-color="warning">{t(`child.protectionLevels.${child.addressProtection}`)}</Tag>
                  )}
                </div>
                <Paragraph>
                  {t('network.coordinator')}: {child.coordinator?.person?.name ?? t('network.noCoordinator')}
                </Paragraph>
                <Contacts childId={child.id} changes={changes} />
                <FamilyMeetings childId={child.id} changes={changes} level={3} name={childName(child)} />
                <section className="k-stack" aria-labelledby={`plan-of-${child.id}`}>
                  <Heading level={3} data-size="xs" id={`plan-of-${child.id}`}>
                    {t('plan.family.titleFor', { name: childName(child) })}
                  </Heading>
                  <FamilyPlan
                    childId={child.id}
                    birthDate={child.birthDate ?? null}
                    membership={child.network.find((m) => m.person?.id === who?.me?.id) ?? null}
                    myName={who?.me?.name ?? null}
                    changes={changes}
                    level={4}
                    titleId={`plan-of-${child.id}`}
                  />
                </section>
              </div>
            </Card>
          ))}
        </div>
      )}
      {data && (
        <FamilyRight
          children={children.map((child) => ({
            id: child.id,
            name: childName(child),
            municipality: child.municipality ?? null,
          }))}
          changes={changes}
        />
      )}
    </>
  );
}
