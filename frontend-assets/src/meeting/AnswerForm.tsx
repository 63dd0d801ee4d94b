import { Button, Fieldset, Heading, Paragraph, Radio, ValidationMessage } from '@digdir/designsystemet-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';

import { RequestError, errorFor } from '../components/Errors';
import type { FieldError } from '../components/Errors';
import { formatDateTime } from '../format';
import { MeetingAnswerInvitationDocument } from '../gql/graphql';
import type { InvitationAnswer } from '../gql/graphql';
import { Done, PlanFormErrors, PlanTextField, hasConflict } from '../plan/common';
import { ANSWERS, AnswerTag } from './common';
import type { MeetingInvitation } from './common';

/** The invited person's answer: yes, no or maybe, with a comment (made for a phone too). */
export function AnswerForm({
  invitation,
  onDone,
}: {
  invitation: MeetingInvitation;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [answer, setAnswer] = useState<InvitationAnswer | ''>(invitation.answer === 'PENDING' ? '' : invitation.answer);
  const [comment, setComment] = useState(invitation.answerComment ?? '');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [done, setDone] = useState(false);
  const [result, send] = useMutation(MeetingAnswerInvitationDocument);
  const prefix = 'answer';
  const answerError = errorFor(errors, 'answer');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (!answer) {
      setErrors([{ code: 'REQUIRED', field: 'answer', message: t('meeting.answer.choose') }]);
      return;
    }
    const response = await send({
      input: { invitationId: invitation.id, version: invitation.version, answer, comment: comment || null },
    });
    const found = response.data?.answerInvitation.errors ?? [];
    setErrors(found);
    if (hasConflict(found)) onDone();
    else if (!found.length && response.data?.answerInvitation.invitation) {
      setDone(true);
      onDone();
    }
  }

  return (
    <section className="k-stack" aria-labelledby="answer-heading" id="answer">
      <Heading level={2} data-size="sm" id="answer-heading">
        {t('meeting.answer.title')}
      </Heading>
      {invitation.answer !== 'PENDING' && (
        <Paragraph>
          {t('meeting.answer.current')} <AnswerTag answer={invitation.answer} />
          {invitation.answeredAt && <span className="k-muted"> {formatDateTime(invitation.answeredAt)}</span>}
        </Paragraph>
      )}
      <form onSubmit={submit} className="k-stack k-form" aria-labelledby="answer-heading" noValidate>
        <PlanFormErrors errors={errors} prefix={prefix} fields={['answer', 'comment']} />
        <RequestError error={result.error} />
        <Fieldset id={`${prefix}-answer`} tabIndex={-1} aria-describedby={answerError ? `${prefix}-answer-error` : undefined}>
          <Fieldset.Legend>{t('meeting.answer.legend')}</Fieldset.Legend>
          {ANSWERS.map((choice) => (
            <Radio
              key={choice}
              name={`${prefix}-choice`}
              value={choice}
              label={t(`meeting.answer.choices.${choice}`)}
              checked={answer === choice}
              onChange={() => setAnswer(choice)}
            />
          ))}
          {answerError && <ValidationMessage id={`${prefix}-answer-error`}>{answerError}</ValidationMessage>}
        </Fieldset>
        <PlanTextField
          prefix={prefix}
          name="comment"
          multiline
          label={t('meeting.answer.comment')}
          description={t('meeting.answer.commentHelp')}
          value={comment}
          onChange={setComment}
          errors={errors}
        />
        <Done show={done} text={t('meeting.answer.sent')} />
        <div>
          <Button type="submit" disabled={result.fetching}>
            {t('meeting.answer.send')}
          </Button>
        </div>
      </form>
    </section>
  );
}
