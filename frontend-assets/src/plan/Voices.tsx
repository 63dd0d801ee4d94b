import { Button, Fieldset, Radio, Tag, ValidationMessage } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import { PlanAddChildVoiceDocument } from '../gql/graphql';
import type { VoiceForm } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, VOICE_FORMS, usePlan } from './common';
import type { PlanVoice } from './common';

const FIELDS = ['text', 'form', 'recordedHow', 'goalId', 'measureId'];

function about(voice: PlanVoice, goals: { id: string; text: string }[], measures: { id: string; title: string }[]) {
  if (voice.goalId) return goals.find((g) => g.id === voice.goalId)?.text ?? null;
  if (voice.measureId) return measures.find((m) => m.id === voice.measureId)?.title ?? null;
  return null;
}

/** What the child said, wrote or drew, with the child's age when it was said. */
export function VoiceList({ staff }: { staff: boolean }) {
  const { t } = useTranslation();
  const { plan } = usePlan();
  if (!plan.voices.length) return <p>{t('plan.noVoices')}</p>;
  const newestFirst = [...plan.voices].sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
  return (
    <ul className="k-plan-list">
      {newestFirst.map((voice) => {
        const subject = about(voice, plan.goals, plan.measures);
        return (
          <li key={voice.id} className="k-plan-item k-stack">
            <blockquote className="k-voice k-pre">{voice.text}</blockquote>
            <span className="k-muted">
              {[
                t(`plan.voiceForms.${voice.form}`),
                voice.recordedHow,
                voice.childAgeYears !== null && t('plan.childAge', { count: voice.childAgeYears }),
                voice.recordedByName && t('plan.recordedBy', { name: voice.recordedByName }),
                formatDateTime(voice.recordedAt),
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
            {subject && <span className="k-muted">{t('plan.about', { what: subject })}</span>}
            {staff && voice.weighsMore && (
              <div>
                <Tag data-color="info" data-size="sm">
                  {t('plan.weighsMore')}
                </Tag>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** The child's voice (barnets stemme): written, told to someone, or drawn and described. */
export function AddVoice({ prefix, family }: { prefix: string; family: boolean }) {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const empty = { text: '', form: 'WRITTEN' as VoiceForm, recordedHow: '', about: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, add] = useMutation(PlanAddChildVoiceDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const [kind, id] = form.about.split(':');
    const response = await add({
      input: {
        planId: plan.id,
        text: form.text,
        form: form.form,
        recordedHow: form.recordedHow || null,
        goalId: kind === 'goal' ? id : null,
        measureId: kind === 'measure' ? id : null,
      },
    });
    const found = response.data?.addChildVoice.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.addChildVoice.voice) {
      setDone(true);
      setForm(empty);
      reload();
    }
  }
  const formError = errorFor(errors, 'form');
  return (
    <form
      onSubmit={submit}
      className="k-stack"
      aria-label={family ? t('plan.family.addVoiceTitle') : t('plan.addVoiceTitle')}
      noValidate
    >
      <Done show={done} text={t('plan.voiceAdded')} />
      <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
      <RequestError error={result.error} />
      <Fieldset id={`${prefix}-form`} tabIndex={-1}>
        <Fieldset.Legend>{t('plan.voiceForm')}</Fieldset.Legend>
        {VOICE_FORMS.map((value) => (
          <Radio
            key={value}
            name={`${prefix}-form`}
            value={value}
            label={t(`plan.voiceFormChoices.${value}`)}
            checked={form.form === value}
            onChange={() => setForm({ ...form, form: value })}
          />
        ))}
        {formError && <ValidationMessage>{formError}</ValidationMessage>}
      </Fieldset>
      <PlanTextField
        prefix={prefix}
        name="text"
        multiline
        label={form.form === 'DRAWN' ? t('plan.voiceTextDrawn') : t('plan.voiceText')}
        description={family ? t('plan.family.voiceTextHelp') : undefined}
        value={form.text}
        onChange={(text) => setForm({ ...form, text })}
        errors={errors}
      />
      {form.form !== 'WRITTEN' && (
        <PlanTextField
          prefix={prefix}
          name="recordedHow"
          label={t('plan.recordedHow')}
          description={t('plan.recordedHowHelp')}
          value={form.recordedHow}
          onChange={(recordedHow) => setForm({ ...form, recordedHow })}
          errors={errors}
        />
      )}
      <ChoiceField
        id={`${prefix}-about`}
        label={t('plan.voiceAbout')}
        value={form.about}
        onChange={(value) => setForm({ ...form, about: value })}
        choices={[
          ...plan.goals.map((g) => ({ value: `goal:${g.id}`, label: t('plan.aboutGoal', { what: g.text }) })),
          ...plan.measures.map((m) => ({ value: `measure:${m.id}`, label: t('plan.aboutMeasure', { what: m.title }) })),
        ]}
        empty={t('plan.aboutWholePlan')}
        error={errorFor(errors, 'goalId') ?? errorFor(errors, 'measureId')}
      />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.addVoice')}
        </Button>
      </div>
    </form>
  );
}
