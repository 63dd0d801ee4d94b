import { Heading, Paragraph, Spinner, Tag } from '@digdir/designsystemet-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { PathwayOfChildDocument } from '../gql/graphql';
import type { MilestoneStatus, PathwayMilestoneFieldsFragment, PathwayTransitionFieldsFragment } from '../gql/graphql';
import { formatDate } from '../format';
import { useReloadOnChange } from '../live';
import { memberName } from '../plan/common';

export type PathwayMilestone = PathwayMilestoneFieldsFragment;
export type PathwayTransition = PathwayTransitionFieldsFragment;

const MILESTONE_COLORS: Record<MilestoneStatus, 'info' | 'success' | 'danger' | 'warning' | 'neutral'> = {
  DUE: 'neutral',
  SOON_DUE: 'warning',
  MET: 'success',
  MISSED: 'danger',
  DEVIATED: 'info',
};

export function MilestoneTag({ status }: { status: MilestoneStatus }) {
  const { t } = useTranslation();
  return (
    <Tag data-color={MILESTONE_COLORS[status]} data-size="sm">
      {t(`pathway.status.${status}`)}
    </Tag>
  );
}

/** A milestone in plain words: done on a day, due by a day, missed, or moved with a reason. */
export function milestoneWhen(t: TFunction, m: PathwayMilestone): string {
  if (m.status === 'MET') return t('pathway.when.met', { date: formatDate(m.metOn ?? m.dueOn) });
  if (m.status === 'MISSED') return t('pathway.when.missed', { date: formatDate(m.dueOn) });
  if (m.status === 'DEVIATED') return t('pathway.when.deviated', { date: formatDate(m.dueOn) });
  return t('pathway.when.due', { date: formatDate(m.dueOn) });
}

/**
 * The family's "what happens next, and by when": the child's milestones by due date, then the
 * transitions with their checklists.
 */
export function PathwayTimeline({
  childId,
  changes,
  level,
}: {
  childId: string;
  changes: number;
  level: 3 | 4 | 5;
}) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: PathwayOfChildDocument, variables: { id: childId } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const pathway = data?.child?.pathway;
  const transitions = data?.child?.transitions ?? [];
  const headingId = `pathway-${childId}`;
  if (fetching && !data) return <Spinner aria-label={t('app.loading')} />;
  return (
    <section className="k-stack" aria-labelledby={headingId}>
      <Heading level={level} data-size="xs" id={headingId}>
        {t('pathway.family.title')}
      </Heading>
      <RequestError error={error} />
      {!pathway ? (
        <Paragraph>{t('pathway.family.none')}</Paragraph>
      ) : (
        <ol className="k-trail" aria-label={t('pathway.family.title')}>
          {[...pathway.milestones]
            .sort((a, b) => a.dueOn.localeCompare(b.dueOn))
            .map((m) => (
              <li key={m.id}>
                <div className="k-row">
                  <strong>{m.title}</strong>
                  <MilestoneTag status={m.status} />
                </div>
                <div>{milestoneWhen(t, m)}</div>
                {m.metBy && <div className="k-muted">{m.metBy}</div>}
                {m.deviationReason && (
                  <div>
                    <strong>{t('pathway.reason')}:</strong> {m.deviationReason}
                  </div>
                )}
              </li>
            ))}
        </ol>
      )}
      {transitions.map((transition) => (
        <div key={transition.id} className="k-stack">
          <Heading level={(level + 1) as 4 | 5 | 6} data-size="2xs">
            {transition.title}
            {transition.dueOn ? ` – ${t('pathway.when.due', { date: formatDate(transition.dueOn) })}` : ''}
          </Heading>
          <ul>
            {transition.items.map((item) => (
              <li key={item.id}>
                {item.title}
                {item.owner ? ` – ${memberName(item.owner)}` : ''}
                {item.dueOn ? ` – ${t('pathway.when.due', { date: formatDate(item.dueOn) })}` : ''}{' '}
                <Tag data-color={item.status === 'DONE' ? 'success' : 'neutral'} data-size="sm">
                  {t(`pathway.itemStatus.${item.status}`)}
                </Tag>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
