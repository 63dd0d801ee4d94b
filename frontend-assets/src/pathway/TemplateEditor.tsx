import { Button, Fieldset, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';

import { ChoiceField } from '../components/ChoiceField';
import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { PathwayTemplatesDocument, PathwayUpdateTemplateDocument } from '../gql/graphql';
import type { MilestoneAnchor, MilestoneTrigger, PathwayTemplateFieldsFragment } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, hasConflict, numberErrors, wholeNumber } from '../plan/common';

const ANCHORS: MilestoneAnchor[] = ['REQUEST_SUBMITTED', 'DECISION_GRANTED', 'PREVIOUS_MET'];
const TRIGGERS: MilestoneTrigger[] = ['DECISION', 'NETWORK_MEETING', 'PLAN_CREATED', 'PLAN_EVALUATED', 'MANUAL'];

type Row = {
  key: string;
  title: string;
  anchor: MilestoneAnchor;
  targetDays: string;
  repeatEveryDays: string;
  trigger: MilestoneTrigger;
};

function TemplateForm({ template, onSaved }: { template: PathwayTemplateFieldsFragment; onSaved: () => void }) {
  const { t } = useTranslation();
  const [version] = useState(template.version);
  const [name, setName] = useState(template.name);
  const [rows, setRows] = useState<Row[]>(
    template.milestones.map((m) => ({
      key: m.key,
      title: m.title,
      anchor: m.anchor,
      targetDays: String(m.targetDays),
      repeatEveryDays: m.repeatEveryDays === null || m.repeatEveryDays === undefined ? '' : String(m.repeatEveryDays),
      trigger: m.trigger,
    })),
  );
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [conflict, setConflict] = useState(false);
  const [result, save] = useMutation(PathwayUpdateTemplateDocument);
  const prefix = `tpl-${template.id}`;
  const setRow = (index: number, patch: Partial<Row>) => setRows(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = rows.flatMap((row, i) =>
      numberErrors({ targetDays: row.targetDays, repeatEveryDays: row.repeatEveryDays }, t('pathway.template.wholeNumber')).map(
        (e) => ({ ...e, field: `milestones.${i}.${e.field}` }),
      ),
    );
    if (rows.some((r) => wholeNumber(r.targetDays) === null)) {
      rows.forEach((r, i) => {
        if (wholeNumber(r.targetDays) === null) {
          local.push({ code: 'REQUIRED', field: `milestones.${i}.targetDays`, message: t('pathway.template.wholeNumber') });
        }
      });
    }
    if (local.length) {
      setErrors(local);
      return;
    }
    const response = await save({
      input: {
        templateId: template.id,
        version,
        name,
        milestones: rows.map((r) => ({
          key: r.key,
          title: r.title,
          anchor: r.anchor,
          targetDays: wholeNumber(r.targetDays) as number,
          repeatEveryDays: wholeNumber(r.repeatEveryDays) ?? null,
          trigger: r.trigger,
        })),
      },
    });
    const found = response.data?.updatePathwayTemplate.errors ?? [];
    setErrors(found);
    setConflict(hasConflict(found));
    if (!found.length && response.data?.updatePathwayTemplate.template) {
      onSaved();
    }
  }

  const listed = ['name', ...rows.flatMap((_, i) => ['key', 'title', 'anchor', 'targetDays', 'repeatEveryDays', 'trigger'].map((f) => `milestones.${i}.${f}`))];
  return (
    <form onSubmit={submit} className="k-stack" aria-labelledby={`${prefix}-heading`} noValidate>
      <Heading level={3} data-size="xs" id={`${prefix}-heading`}>
        {template.name}
      </Heading>
      <PlanFormErrors errors={errors} prefix={prefix} fields={listed} />
      <RequestError error={result.error} />
      {conflict && <Paragraph>{t('pathway.template.conflict')}</Paragraph>}
      <PlanTextField prefix={prefix} name="name" label={t('pathway.template.name')} value={name} onChange={setName} errors={errors} />
      {rows.map((row, i) => {
        // Row fields are named as the server names them (milestones.2.targetDays): its errors land next to them.
        const rowField = `milestones.${i}`;
        return (
          <Fieldset key={i} className="k-stack k-template-row">
            <Fieldset.Legend>{t('pathway.template.milestoneN', { n: i + 1 })}</Fieldset.Legend>
            <div className="k-grid">
              <PlanTextField prefix={prefix} name={`${rowField}.title`} label={t('pathway.template.title')} value={row.title} onChange={(title) => setRow(i, { title })} errors={errors} />
              <PlanTextField prefix={prefix} name={`${rowField}.key`} label={t('pathway.template.key')} value={row.key} onChange={(key) => setRow(i, { key })} errors={errors} />
              <ChoiceField
                id={`${prefix}-${rowField}.anchor`}
                label={t('pathway.template.anchor')}
                value={row.anchor}
                onChange={(anchor) => setRow(i, { anchor: anchor as MilestoneAnchor })}
                choices={ANCHORS.map((a) => ({ value: a, label: t(`pathway.anchors.${a}`) }))}
                error={errorFor(errors, `${rowField}.anchor`)}
              />
              <PlanTextField
                prefix={prefix}
                name={`${rowField}.targetDays`}
                inputMode="numeric"
                label={t('pathway.template.targetDays')}
                value={row.targetDays}
                onChange={(targetDays) => setRow(i, { targetDays })}
                errors={errors}
              />
              <PlanTextField
                prefix={prefix}
                name={`${rowField}.repeatEveryDays`}
                inputMode="numeric"
                label={t('pathway.template.repeatEveryDays')}
                value={row.repeatEveryDays}
                onChange={(repeatEveryDays) => setRow(i, { repeatEveryDays })}
                errors={errors}
              />
              <ChoiceField
                id={`${prefix}-${rowField}.trigger`}
                label={t('pathway.template.trigger')}
                value={row.trigger}
                onChange={(trigger) => setRow(i, { trigger: trigger as MilestoneTrigger })}
                choices={TRIGGERS.map((x) => ({ value: x, label: t(`pathway.triggers.${x}`) }))}
                error={errorFor(errors, `${rowField}.trigger`)}
              />
            </div>
            <div>
              <Button type="button" variant="tertiary" data-size="sm" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                {t('pathway.template.remove', { title: row.title || i + 1 })}
              </Button>
            </div>
          </Fieldset>
        );
      })}
      <div className="k-row">
        <Button
          type="button"
          variant="secondary"
          onClick={() =>
            setRows([...rows, { key: '', title: '', anchor: 'PREVIOUS_MET', targetDays: '', repeatEveryDays: '', trigger: 'MANUAL' }])
          }
        >
          {t('pathway.template.add')}
        </Button>
        <Button type="submit" disabled={result.fetching}>
          {t('pathway.template.save')}
        </Button>
      </div>
    </form>
  );
}

/** The kommune's pathway templates (pakkeforløp) for the coordinating unit to edit. */
export function TemplateEditor() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: PathwayTemplatesDocument });
  const templates = data?.pathwayTemplates ?? [];
  // Saved forms start again from the new version; the message lives out here so it stays.
  const [saved, setSaved] = useState(false);
  return (
    <section className="k-stack" aria-labelledby="templates-heading">
      <Heading level={2} data-size="sm" id="templates-heading">
        {t('pathway.template.heading')}
      </Heading>
      <Paragraph>{t('pathway.template.intro')}</Paragraph>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : templates.length === 0 ? (
        <Paragraph>{t('pathway.template.none')}</Paragraph>
      ) : (
        templates.map((template) => (
          <TemplateForm
            key={`${template.id}-${template.version}`}
            template={template}
            onSaved={() => {
              setSaved(true);
              refetch({ requestPolicy: 'network-only' });
            }}
          />
        ))
      )}
      {/* Rendered only once saved: the page's other forms have their own status regions. */}
      {saved && <Done show text={t('pathway.template.saved')} />}
    </section>
  );
}
