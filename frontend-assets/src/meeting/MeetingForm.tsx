import { Checkbox, Fieldset, Textfield } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

import { ChoiceField } from '../components/ChoiceField';
import { errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { PlanTextField } from '../plan/common';
import { INTERPRETER_LANGUAGES } from './common';
import { languageName, localParts, osloIso } from './time';

/** What the coordinator types for a meeting; times as Oslo wall time. */
export type MeetingDetails = {
  title: string;
  purpose: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  videoUrl: string;
  placeProtected: boolean;
  childTakesPart: boolean;
  interpreterLanguage: string;
};

export const DETAIL_FIELDS = [
  'title',
  'purpose',
  'startsAt',
  'endsAt',
  'place',
  'videoUrl',
  'placeProtected',
  'childTakesPart',
  'interpreterLanguage',
];

export function emptyDetails(interpreterLanguage: string | null | undefined): MeetingDetails {
  return {
    title: '',
    purpose: '',
    date: '',
    startTime: '',
    endTime: '',
    place: '',
    videoUrl: '',
    placeProtected: false,
    childTakesPart: false,
    interpreterLanguage: interpreterLanguage ?? '',
  };
}

export function detailsOf(meeting: {
  title: string;
  purpose?: string | null;
  startsAtLocal: string;
  endsAtLocal: string;
  place?: string | null;
  videoUrl?: string | null;
  placeProtected: boolean;
  childTakesPart: boolean;
  interpreterLanguage?: string | null;
}): MeetingDetails {
  const start = localParts(meeting.startsAtLocal);
  const end = localParts(meeting.endsAtLocal);
  return {
    title: meeting.title,
    purpose: meeting.purpose ?? '',
    date: start.date,
    startTime: start.time,
    endTime: end.time,
    place: meeting.place ?? '',
    videoUrl: meeting.videoUrl ?? '',
    placeProtected: meeting.placeProtected,
    childTakesPart: meeting.childTakesPart,
    interpreterLanguage: meeting.interpreterLanguage ?? '',
  };
}

/**
 * The start and end as ISO with the Oslo offset; errors next to the time fields when they
 * are missing (nothing is sent then). An end earlier in the day than the start is the next
 * day (a meeting over midnight); the server refuses one that is too long.
 */
export function timesOf(
  details: MeetingDetails,
  messages: { date: string; time: string },
): { startsAt: string; endsAt: string } | FieldError[] {
  const errors: FieldError[] = [];
  if (!details.date) errors.push({ code: 'REQUIRED', field: 'date', message: messages.date });
  if (!details.startTime) errors.push({ code: 'REQUIRED', field: 'startsAt', message: messages.time });
  if (!details.endTime) errors.push({ code: 'REQUIRED', field: 'endsAt', message: messages.time });
  if (errors.length) return errors;
  const startsAt = osloIso(details.date, details.startTime);
  let endDate = details.date;
  if (details.endTime < details.startTime) {
    const [y, m, d] = details.date.split('-').map(Number);
    endDate = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }
  const endsAt = osloIso(endDate, details.endTime);
  if (!startsAt) return [{ code: 'INVALID', field: 'startsAt', message: messages.time }];
  if (!endsAt) return [{ code: 'INVALID', field: 'endsAt', message: messages.time }];
  return { startsAt, endsAt };
}

/** The fields of a meeting, with the server's errors next to them (ids `${prefix}-${field}`). */
export function MeetingDetailsFields({
  prefix,
  value,
  onChange,
  errors,
  suggestedLanguage,
}: {
  prefix: string;
  value: MeetingDetails;
  onChange: (value: MeetingDetails) => void;
  errors: FieldError[];
  suggestedLanguage?: string | null;
}) {
  const { t } = useTranslation();
  const set = (patch: Partial<MeetingDetails>) => onChange({ ...value, ...patch });
  const languages = [...INTERPRETER_LANGUAGES];
  for (const code of [suggestedLanguage, value.interpreterLanguage]) {
    if (code && !languages.includes(code)) languages.unshift(code);
  }
  const choices = languages
    .map((code) => ({ value: code, label: languageName(code) }))
    .sort((a, b) => (a.value === suggestedLanguage ? -1 : b.value === suggestedLanguage ? 1 : a.label.localeCompare(b.label)));
  return (
    <>
      <PlanTextField
        prefix={prefix}
        name="title"
        label={t('meeting.form.title')}
        description={t('meeting.form.titleHelp')}
        value={value.title}
        onChange={(title) => set({ title })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="purpose"
        multiline
        label={t('meeting.form.purpose')}
        value={value.purpose}
        onChange={(purpose) => set({ purpose })}
        errors={errors}
      />
      <Fieldset>
        <Fieldset.Legend>{t('meeting.form.when')}</Fieldset.Legend>
        <Fieldset.Description>{t('meeting.form.whenHelp')}</Fieldset.Description>
        <div className="k-row">
          <PlanTextField
            prefix={prefix}
            name="date"
            type="date"
            label={t('meeting.form.date')}
            value={value.date}
            onChange={(date) => set({ date })}
            errors={errors}
          />
          <TimeField prefix={prefix} name="startsAt" label={t('meeting.form.start')} value={value.startTime} onChange={(startTime) => set({ startTime })} errors={errors} />
          <TimeField prefix={prefix} name="endsAt" label={t('meeting.form.end')} value={value.endTime} onChange={(endTime) => set({ endTime })} errors={errors} />
        </div>
      </Fieldset>
      <PlanTextField
        prefix={prefix}
        name="place"
        label={t('meeting.form.place')}
        description={t('meeting.form.placeHelp')}
        value={value.place}
        onChange={(place) => set({ place })}
        errors={errors}
      />
      <Checkbox
        id={`${prefix}-placeProtected`}
        label={t('meeting.form.placeProtected')}
        description={t('meeting.form.placeProtectedHelp')}
        checked={value.placeProtected}
        onChange={(e) => set({ placeProtected: e.target.checked })}
        error={errorFor(errors, 'placeProtected')}
      />
      <PlanTextField
        prefix={prefix}
        name="videoUrl"
        label={t('meeting.form.videoUrl')}
        description={t('meeting.form.videoUrlHelp')}
        value={value.videoUrl}
        onChange={(videoUrl) => set({ videoUrl })}
        errors={errors}
      />
      <Checkbox
        id={`${prefix}-childTakesPart`}
        label={t('meeting.form.childTakesPart')}
        checked={value.childTakesPart}
        onChange={(e) => set({ childTakesPart: e.target.checked })}
        error={errorFor(errors, 'childTakesPart')}
      />
      <ChoiceField
        id={`${prefix}-interpreterLanguage`}
        label={t('meeting.form.interpreter')}
        value={value.interpreterLanguage}
        onChange={(interpreterLanguage) => set({ interpreterLanguage })}
        choices={choices}
        empty={t('meeting.form.noInterpreter')}
        error={errorFor(errors, 'interpreterLanguage')}
      />
      {suggestedLanguage && (
        <span className="k-muted" data-size="sm">
          {t('meeting.form.interpreterSuggested', { language: languageName(suggestedLanguage) })}
        </span>
      )}
    </>
  );
}

/** A plain time input (the browser's own picker works on phones), the server's error next to it. */
function TimeField({
  prefix,
  name,
  label,
  value,
  onChange,
  errors,
}: {
  prefix: string;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: FieldError[];
}) {
  return (
    <Textfield
      id={`${prefix}-${name}`}
      type="time"
      label={label}
      value={value}
      error={errorFor(errors, name)}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
