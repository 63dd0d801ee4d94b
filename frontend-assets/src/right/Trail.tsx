import { Alert, Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import type { ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

import { formatDate, formatDateTime } from '../format';
import type { RightAppeal, RightDecision, RightRequest } from './common';
import { decisionOverdue } from './common';

type Step = { key: string; title: string; when?: string; body?: ReactNode; mark?: ReactNode };

function Quote({ label, text }: { label: string; text: string | null | undefined }) {
  if (!text) return null;
  return (
    <div>
      <strong>{label}:</strong> <span className="k-prewrap">{text}</span>
    </div>
  );
}

/** "What happens next", from the server in the reader's language: shown first and large. */
export function NextStep({
  request,
  headingLevel,
  asFamilyReads = false,
}: {
  request: RightRequest;
  headingLevel: 2 | 3 | 4 | 5;
  /** Staff pages: the text is the family's, and the heading says so. */
  asFamilyReads?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Alert data-color="info">
      <Heading level={headingLevel} data-size="xs">
        {t(asFamilyReads ? 'right.nextStepFamily' : 'right.nextStep')}
      </Heading>
      <Paragraph>{request.nextStep}</Paragraph>
    </Alert>
  );
}

function decisionSteps(t: TFunction, decision: RightDecision): Step[] {
  if (decision.outcome === 'GRANTED') {
    return [
      {
        key: `decision-${decision.id}`,
        title: t('right.trail.granted'),
        when: formatDateTime(decision.decidedAt),
        body: (
          <>
            {decision.coordinatorName && <div>{t('right.trail.coordinatorIs', { name: decision.coordinatorName })}</div>}
            <div className="k-muted">{t('right.trail.decidedBy', { name: decision.decidedByName })}</div>
          </>
        ),
      },
    ];
  }
  return [
    {
      key: `decision-${decision.id}`,
      title: t('right.trail.refused'),
      when: formatDateTime(decision.decidedAt),
      body: (
        <>
          <Quote label={t('right.reasons')} text={decision.reasons} />
          <Quote label={t('right.legalBasis')} text={decision.legalBasis} />
          <div className="k-muted">{t('right.trail.decidedBy', { name: decision.decidedByName })}</div>
          {decision.appealDeadline && (
            <div>
              <strong>{t('right.trail.appealBy', { date: formatDate(decision.appealDeadline) })}</strong>
            </div>
          )}
        </>
      ),
    },
  ];
}

function appealSteps(t: TFunction, appeal: RightAppeal): Step[] {
  const steps: Step[] = [
    {
      key: `appeal-${appeal.id}`,
      title: t('right.trail.appealed', { name: appeal.submittedByName }),
      when: formatDateTime(appeal.submittedAt),
      mark: appeal.late ? (
        <Tag data-color="warning" data-size="sm">
          {t('right.lateAppeal', { date: formatDate(appeal.deadline) })}
        </Tag>
      ) : undefined,
      body: <Quote label={t('right.grounds')} text={appeal.grounds} />,
    },
  ];
  if (appeal.reassessment) {
    steps.push({
      key: `reassessed-${appeal.id}`,
      title: t(`right.trail.reassessed.${appeal.reassessment}`),
      when: formatDateTime(appeal.reassessedAt),
      body: <Quote label={t('right.reasons')} text={appeal.reassessmentReasons} />,
    });
  }
  if (appeal.forwardedAt) {
    steps.push({ key: `forwarded-${appeal.id}`, title: t('right.trail.forwarded'), when: formatDateTime(appeal.forwardedAt) });
  }
  if (appeal.statsforvalterOutcome) {
    steps.push({
      key: `sf-${appeal.id}`,
      title: t(`right.trail.statsforvalter.${appeal.statsforvalterOutcome}`),
      when: formatDateTime(appeal.statsforvalterRecordedAt),
      body: <Quote label={t('right.reasons')} text={appeal.statsforvalterReasons} />,
    });
  }
  return steps;
}

/**
 * The request's trail in plain words, oldest first: sent, when the answer is due, each decision
 * (with the appeal deadline when it refused), each appeal and what came of it.
 */
export function Trail({ request, label }: { request: RightRequest; label: string }) {
  const { t } = useTranslation();
  const steps: Step[] = [
    {
      key: 'sent',
      title: t('right.trail.sent', { name: request.submittedByName }),
      when: formatDateTime(request.submittedAt),
    },
  ];
  for (const decision of request.decisions) {
    steps.push(...decisionSteps(t, decision));
    for (const appeal of request.appeals.filter((a) => a.decisionId === decision.id)) {
      steps.push(...appealSteps(t, appeal));
    }
  }
  if (request.status === 'AWAITING_DECISION') {
    const overdue = decisionOverdue(request);
    steps.push({
      key: 'due',
      title: t(overdue ? 'right.trail.duePassed' : 'right.trail.dueBy', { date: formatDate(request.decisionDueOn) }),
      mark: overdue ? (
        <Tag data-color="danger" data-size="sm">
          {t('right.overdue')}
        </Tag>
      ) : undefined,
    });
  }
  return (
    <ol className="k-trail" aria-label={label}>
      {steps.map((step) => (
        <li key={step.key}>
          <div className="k-row">
            <strong>{step.title}</strong>
            {step.mark}
          </div>
          {step.when && <div className="k-muted">{step.when}</div>}
          {step.body}
        </li>
      ))}
    </ol>
  );
}
