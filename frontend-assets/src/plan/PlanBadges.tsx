import { Tag } from '@digdir/designsystemet-react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { PlanCaseloadDocument } from '../gql/graphql';
import type { PlanCaseloadQuery } from '../gql/graphql';
import { useReloadOnChange } from '../live';
import './plan.css';

export type PlanSummary = NonNullable<PlanCaseloadQuery['myChildren']['edges'][number]['node']['plan']>;

/** Per child of my caseload: what of its plan needs follow-up (only what I may see). */
export function usePlanSummaries(changes: number): Map<string, PlanSummary | null> {
  const [{ data }, refetch] = useQuery({ query: PlanCaseloadDocument, variables: { first: 100 } });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  return useMemo(
    () => new Map((data?.myChildren.edges ?? []).map((edge) => [edge.node.id, edge.node.plan ?? null])),
    [data],
  );
}

/** Overdue evaluations, overdue tasks and open disagreements as tags that say it in words. */
export function PlanBadges({ summary, known }: { summary: PlanSummary | null; known: boolean }) {
  const { t } = useTranslation();
  if (!known) return null;
  if (!summary) return <span className="k-muted">{t('plan.badges.noPlan')}</span>;
  const tags: { key: string; color: 'danger' | 'warning' | 'info'; text: string }[] = [];
  if (summary.overdueEvaluationCount > 0) {
    tags.push({
      key: 'evaluations',
      color: 'danger',
      text: t('plan.badges.overdueEvaluations', { count: summary.overdueEvaluationCount }),
    });
  }
  if (summary.overdueTaskCount > 0) {
    tags.push({
      key: 'tasks',
      color: 'danger',
      text: t('plan.badges.overdueTasks', { count: summary.overdueTaskCount }),
    });
  }
  if (summary.openDisagreementCount > 0) {
    tags.push({
      key: 'disagreements',
      color: 'warning',
      text: t('plan.badges.openDisagreements', { count: summary.openDisagreementCount }),
    });
  }
  if (summary.needsConfirmation) {
    tags.push({ key: 'confirmation', color: 'info', text: t('plan.badges.needsConfirmation') });
  }
  if (!tags.length) return <span className="k-muted">{t('plan.badges.allClear')}</span>;
  return (
    <ul className="k-badges" aria-label={t('plan.badges.label')}>
      {tags.map((tag) => (
        <li key={tag.key}>
          <Tag data-color={tag.color} data-size="sm">
            {tag.text}
          </Tag>
        </li>
      ))}
    </ul>
  );
}
