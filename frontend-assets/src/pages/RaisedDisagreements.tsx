import { Button, Checkbox, Fieldset, Heading, Paragraph, Spinner, Tag, Textfield } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';

import { FormErrors, RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import { AnswerRaisedDisagreementDocument, RaisedDisagreementsDocument } from '../gql/graphql';
import type { RaisedDisagreementFieldsFragment } from '../gql/graphql';

type Raised = RaisedDisagreementFieldsFragment;

function Answer({ item, onSaved }: { item: Raised; onSaved: () => void }) {
  const { t } = useTranslation();
  const prefix = `raised-${item.id}`;
  const [form, setForm] = useState({ answer: '', resolved: false });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [result, answer] = useMutation(AnswerRaisedDisagreementDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const response = await answer({
      input: { id: item.id, version: item.version, answer: form.answer, resolved: form.resolved },
    });
    const found = response.data?.answerRaisedDisagreement.errors ?? [];
    setErrors(found);
    if (!found.length && response.data?.answerRaisedDisagreement.disagreement) onSaved();
  }
  const message = errorFor(errors, 'answer');
  return (
    <form onSubmit={submit} noValidate>
      <Fieldset className="k-stack">
        <Fieldset.Legend>{t('leader.answerOf', { child: item.childName })}</Fieldset.Legend>
        <FormErrors errors={errors.filter((e) => e.field !== 'answer')} fields={[]} />
        <RequestError error={result.error} />
        <Textfield
          id={`${prefix}-answer`}
          label={t('leader.answer')}
          multiline
          rows={3}
          value={form.answer}
          onChange={(e) => setForm({ ...form, answer: e.target.value })}
          error={message}
        />
        <Checkbox
          label={t('leader.resolved')}
          checked={form.resolved}
          onChange={(e) => setForm({ ...form, resolved: e.target.checked })}
        />
        <div>
          <Button type="submit" data-size="sm" disabled={result.fetching}>
            {t('leader.send')}
          </Button>
        </div>
      </Fieldset>
    </form>
  );
}

/**
 * Disagreements raised to the leader of the coordinating unit (enhetsleder): what each is
 * about and what was said, never the rest of the plan. The server answers empty for anyone
 * but the leader of the child's kommune's unit, and logs every read.
 */
export function RaisedDisagreements() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, reload] = useQuery({
    query: RaisedDisagreementsDocument,
    requestPolicy: 'network-only',
  });
  const items = data?.raisedDisagreements ?? [];
  return (
    <section className="k-stack" aria-labelledby="raised-heading">
      <Heading level={2} data-size="sm" id="raised-heading">
        {t('leader.title')}
      </Heading>
      <Paragraph>{t('leader.intro')}</Paragraph>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : items.length === 0 ? (
        <Paragraph>{t('leader.none')}</Paragraph>
      ) : (
        <ul className="k-plan-list">
          {items.map((item) => (
            <li key={item.id} className="k-plan-item k-stack">
              <div className="k-row">
                <Tag data-color={item.status === 'RAISED' ? 'danger' : item.status === 'RESOLVED' ? 'success' : 'info'} data-size="sm">
                  {t(`leader.statuses.${item.status}`)}
                </Tag>
                <strong>{item.childName}</strong>
                <span>
                  {item.about === 'PLAN'
                    ? t('leader.aboutPlan')
                    : item.about === 'MEASURE'
                      ? t('leader.aboutMeasure', { what: item.aboutTitle ?? '' })
                      : t('leader.aboutEvaluation', { what: item.aboutTitle ?? '' })}
                </span>
              </div>
              <span className="k-pre">{item.text}</span>
              <span className="k-muted">
                {[item.raisedByName, t('leader.raisedOn', { when: formatDateTime(item.raisedToLeaderAt) })]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
              {item.answer && (
                <div className="k-pre">
                  <strong>
                    {item.answeredByName ? t('leader.answerBy', { name: item.answeredByName }) : t('leader.answer')}:
                  </strong>{' '}
                  {item.answer}
                </div>
              )}
              {item.status === 'RAISED' && (
                <Answer item={item} onSaved={() => reload({ requestPolicy: 'network-only' })} />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
