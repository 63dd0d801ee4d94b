import { Tag } from '@digdir/designsystemet-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

import type {
  InvitationAnswer,
  MeetingFieldsFragment,
  MeetingStatus,
  MeetingSummaryFieldsFragment,
} from '../gql/graphql';
import './meeting.css';

export type MeetingData = MeetingFieldsFragment;
export type MeetingSummary = MeetingSummaryFieldsFragment;
export type MeetingInvitation = MeetingData['invitations'][number];
export type MeetingAgendaItem = MeetingData['agenda'][number];
export type MeetingActionItem = MeetingData['actionItems'][number];
export type MeetingMinutesVersion = NonNullable<MeetingData['minutes']>['versions'][number];

export const ANSWERS: InvitationAnswer[] = ['YES', 'NO', 'MAYBE'];

/** Languages families in Norway most often need an interpreter for (ISO 639-1). */
export const INTERPRETER_LANGUAGES = [
  'ar', 'so', 'ti', 'uk', 'pl', 'fa', 'ku', 'ur', 'ps', 'ru', 'lt', 'es', 'fr', 'en', 'th', 'vi', 'tr', 'sq', 'am', 'se',
];

const STATUS_COLORS: Record<MeetingStatus, 'info' | 'danger' | 'success'> = {
  SCHEDULED: 'info',
  CANCELLED: 'danger',
  HELD: 'success',
};

export function MeetingStatusTag({ status }: { status: MeetingStatus }) {
  const { t } = useTranslation();
  return (
    <Tag data-color={STATUS_COLORS[status]} data-size="sm">
      {t(`meeting.status.${status}`)}
    </Tag>
  );
}

const ANSWER_COLORS: Record<InvitationAnswer, 'neutral' | 'success' | 'danger' | 'warning'> = {
  PENDING: 'neutral',
  YES: 'success',
  NO: 'danger',
  MAYBE: 'warning',
};

export function AnswerTag({ answer }: { answer: InvitationAnswer }) {
  const { t } = useTranslation();
  return (
    <Tag data-color={ANSWER_COLORS[answer]} data-size="sm">
      {t(`meeting.answers.${answer}`)}
    </Tag>
  );
}

/** Where the meeting is, as this reader may know it: the place, or "agreed place". */
export function whereOf(meeting: { place?: string | null; placeLabel?: string | null }): string {
  return meeting.place ?? meeting.placeLabel ?? '';
}

/** Action items still to be done: the plan says OPEN (or has not said yet). */
export function openActionItems<T extends { status?: string | null }>(items: T[]): T[] {
  return items.filter((item) => !item.status || ['OPEN', 'PLANNED', 'ACTIVE', 'PAUSED'].includes(item.status));
}

/** The plan's status words for a task or a measure, falling back to the raw value. */
export function actionStatus(t: TFunction, status: string | null | undefined): string {
  if (!status) return '';
  return t(`meeting.actionStatus.${status}`, { defaultValue: status });
}

/**
 * The reader is the child's barnekoordinator here: they may edit it while it is ahead
 * (canEdit), or their own invitation says so (after the meeting, for the minutes and action
 * items). The server decides every change all the same.
 */
export function coordinates(meeting: MeetingData): boolean {
  return meeting.canEdit || (!meeting.viewerIsGuest && meeting.myInvitation?.role?.toLowerCase() === 'coordinator');
}
