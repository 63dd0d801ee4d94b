import { Tag } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

import type { CoordinatorRequestStatus, RightRequestFieldsFragment } from '../gql/graphql';
import { todayInOslo } from '../format';

export type RightRequest = RightRequestFieldsFragment;
export type RightDecision = RightRequest['decisions'][number];
export type RightAppeal = RightRequest['appeals'][number];

export const REQUEST_STATUSES: CoordinatorRequestStatus[] = [
  'AWAITING_DECISION',
  'GRANTED',
  'REFUSED',
  'APPEALED',
  'WITH_STATSFORVALTEREN',
  'REFUSAL_FINAL',
];

/** The decision the request stands on now (decisions come oldest first). */
export function latestDecision(request: RightRequest): RightDecision | null {
  return request.decisions.length ? request.decisions[request.decisions.length - 1] : null;
}

/** The appeal still being handled: not reassessed, or forwarded and without the Statsforvalteren's word. */
export function openAppeal(request: RightRequest): RightAppeal | null {
  return (
    request.appeals.find(
      (a) => a.reassessment === null || a.reassessment === undefined || (a.reassessment === 'UPHELD' && !a.statsforvalterOutcome),
    ) ?? null
  );
}

/** The decision is due and not made, and the day it was due has passed (Oslo dates). */
export function decisionOverdue(request: RightRequest): boolean {
  return request.status === 'AWAITING_DECISION' && request.decisionDueOn < todayInOslo();
}

/** The family may still appeal the latest decision: it refused and nothing is appealed yet. */
export function mayAppeal(request: RightRequest): RightDecision | null {
  const decision = latestDecision(request);
  if (request.status !== 'REFUSED' || !decision || decision.outcome !== 'REFUSED') return null;
  return request.appeals.some((a) => a.decisionId === decision.id) ? null : decision;
}

const STATUS_COLORS: Record<CoordinatorRequestStatus, 'info' | 'success' | 'danger' | 'warning' | 'neutral'> = {
  AWAITING_DECISION: 'info',
  GRANTED: 'success',
  REFUSED: 'danger',
  APPEALED: 'warning',
  WITH_STATSFORVALTEREN: 'warning',
  REFUSAL_FINAL: 'neutral',
};

/** The status in words: the unit's words, or the family's plain ones. */
export function StatusTag({ status, family = false }: { status: CoordinatorRequestStatus; family?: boolean }) {
  const { t } = useTranslation();
  return (
    <Tag data-color={STATUS_COLORS[status]} data-size="sm">
      {t(family ? `right.familyStatus.${status}` : `right.status.${status}`)}
    </Tag>
  );
}
