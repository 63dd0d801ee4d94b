import { Button, Details, Heading, Paragraph } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { PlanAddNeedDocument, PlanUpdateNeedDocument } from '../gql/graphql';
import type { PlanCategory, LifeArea } from '../gql/graphql';
import { CATEGORIES, Done, LIFE_AREAS, PlanFormErrors, PlanTextField, hasConflict, usePlan } from './common';
import type { PlanNeed } from './common';

const FIELDS = ['lifeArea', 'description', 'raisedBy', 'category'];

type NeedForm = { lifeArea: LifeArea; description: string; raisedBy: string; category: PlanCategory | '' };

function NeedFields({
  prefix,
  form,
  setForm,
  errors,
  withCategory,
}: {
  prefix: string;
  form: NeedForm;
  setForm: (form: NeedForm) => void;
  errors: FieldError[];
  withCategory: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ChoiceField
        id={`${prefix}-lifeArea`}
        label={t('plan.lifeArea')}
        value={form.lifeArea}
        onChange={(lifeArea) => setForm({ ...form, lifeArea: lifeArea as LifeArea })}
        choices={LIFE_AREAS.map((area) => ({ value: area, label: t(`plan.lifeAreas.${area}`) }))}
        error={errorFor(errors, 'lifeArea')}
      />
      <PlanTextField
        prefix={prefix}
        name="description"
        multiline
        label={t('plan.needDescription')}
        value={form.description}
        onChange={(description) => setForm({ ...form, description })}
        errors={errors}
      />
      <PlanTextField
        prefix={prefix}
        name="raisedBy"
        label={t('plan.raisedBy')}
        description={t('plan.raisedByHelp')}
        value={form.raisedBy}
        onChange={(raisedBy) => setForm({ ...form, raisedBy })}
        errors={errors}
      />
      {withCategory && (
        <ChoiceField
          id={`${prefix}-category`}
          label={t('plan.category')}
          value={form.category}
          onChange={(category) => setForm({ ...form, category: category as PlanCategory | '' })}
          choices={CATEGORIES.map((c) => ({ value: c, label: t(`plan.categories.${c}`) }))}
          empty={t('plan.categoryDefault')}
          error={errorFor(errors, 'category')}
        />
      )}
    </>
  );
}

function AddNeed() {
  const { t } = useTranslation();
  const { plan, reload } = usePlan();
  const empty: NeedForm = { lifeArea: 'HEALTH', description: '', raisedBy: '', category: '' };
  const [form, setForm] = useState<NeedForm>(empty);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, add] = useMutation(PlanAddNeedDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const response = await add({
      input: {
        planId: plan.id,
        lifeArea: form.lifeArea,
        description: form.description,
        raisedBy: form.raisedBy || null,
        category: form.category || null,
      },
    });
    const found = response.data?.addNeed.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.addNeed.need) {
      setDone(true);
      setForm({ ...empty, lifeArea: form.lifeArea });
      reload();
    }
  }
  return (
    <form onSubmit={submit} className="k-stack" aria-label={t('plan.addNeedTitle')} noValidate>
      <Done show={done} text={t('plan.needAdded')} />
      <PlanFormErrors errors={errors} prefix="need-new" fields={FIELDS} />
      <RequestError error={result.error} />
      <NeedFields prefix="need-new" form={form} setForm={setForm} errors={errors} withCategory />
      <div>
        <Button type="submit" disabled={result.fetching}>
          {t('plan.addNeed')}
        </Button>
      </div>
    </form>
  );
}

function EditNeed({ need, onDone }: { need: PlanNeed; onDone: () => void }) {
  const { t } = useTranslation();
  const { reload, conflict } = usePlan();
  const prefix = `need-${need.id}`;
  const [form, setForm] = useState<NeedForm>({
    lifeArea: need.lifeArea,
    description: need.description,
    raisedBy: need.raisedBy ?? '',
    category: need.category,
  });
  const [baseVersion] = useState(need.version);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, update] = useMutation(PlanUpdateNeedDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await update({
      input: {
        id: need.id,
        version: baseVersion,
        lifeArea: form.lifeArea,
        description: form.description,
        raisedBy: form.raisedBy || null,
      },
    });
    const found = response.data?.updateNeed.errors ?? [];
    if (hasConflict(found)) {
      onDone();
      conflict();
      return;
    }
    setErrors(found);
    if (!found.length && response.data?.updateNeed.need) {
      reload();
      onDone();
    }
  }
  return (
    <form
      onSubmit={submit}
      className="k-stack"
      aria-label={t('plan.editNeedNamed', { name: need.description.slice(0, 60) })}
      noValidate
    >
      <PlanFormErrors errors={errors} prefix={prefix} fields={FIELDS} />
      <RequestError error={result.error} />
      <NeedFields prefix={prefix} form={form} setForm={setForm} errors={errors} withCategory={false} />
      <div className="k-row">
        <Button type="submit" data-size="sm" disabled={result.fetching}>
          {t('plan.save')}
        </Button>
        <Button type="button" data-size="sm" variant="secondary" onClick={onDone}>
          {t('plan.cancel')}
        </Button>
      </div>
    </form>
  );
}

function NeedItem({ need }: { need: PlanNeed }) {
  const { t } = useTranslation();
  const { editable, plan } = usePlan();
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <li className="k-plan-item">
        <EditNeed need={need} onDone={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className="k-plan-item">
      <span className="k-pre">{need.description}</span>
      {need.raisedBy && <span className="k-muted"> – {t('plan.raisedByName', { name: need.raisedBy })}</span>}
      {editable && !plan.isHistorical && (
        <>
          {' '}
          <Button
            variant="tertiary"
            data-size="sm"
            aria-label={t('plan.editNeedNamed', { name: need.description.slice(0, 60) })}
            onClick={() => setEditing(true)}
          >
            {t('plan.change')}
          </Button>
        </>
      )}
    </li>
  );
}

/** Needs (behov) by life area, and adding one. */
export function NeedsSection() {
  const { t } = useTranslation();
  const { plan, editable, ids, labelledBy } = usePlan();
  const areas = LIFE_AREAS.filter((area) => plan.needs.some((need) => need.lifeArea === area));
  return (
    <section className="k-stack" aria-labelledby={labelledBy(`${ids}-needs-heading`)}>
      <Heading level={3} data-size="xs" id={`${ids}-needs-heading`}>
        {t('plan.needs')}
      </Heading>
      {plan.needs.length === 0 && <Paragraph>{t('plan.noNeeds')}</Paragraph>}
      {areas.map((area) => (
        <div key={area} className="k-stack">
          <Heading level={4} data-size="2xs">
            {t(`plan.lifeAreas.${area}`)}
          </Heading>
          <ul className="k-plan-list">
            {plan.needs
              .filter((need) => need.lifeArea === area)
              .map((need) => (
                <NeedItem key={need.id} need={need} />
              ))}
          </ul>
        </div>
      ))}
      {editable && !plan.isHistorical && (
        <Details>
          <Details.Summary>{t('plan.addNeedTitle')}</Details.Summary>
          <Details.Content>
            <AddNeed />
          </Details.Content>
        </Details>
      )}
    </section>
  );
}
