import { Details, Heading } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './common';
import { DisagreementList, RecordDisagreement } from './Disagreements';
import { GoalsSection } from './GoalsSection';
import { MeasuresSection } from './MeasuresSection';
import { NeedsSection } from './NeedsSection';
import { PlanAttention, PlanOverview } from './PlanOverview';
import { TasksSection } from './TasksSection';
import { AddVoice, VoiceList } from './Voices';
import './plan.css';

/** Every part of the plan as the network works with it (read only for an earlier revision). */
export function PlanSections({ staff }: { staff: boolean }) {
  const { t } = useTranslation();
  const { plan, editable, role, ids, labelledBy } = usePlan();
  const writable = editable && !plan.isHistorical;
  return (
    <div className="k-stack k-plan">
      <PlanAttention plan={plan} />
      <PlanOverview plan={plan} />
      <NeedsSection />
      <GoalsSection />
      <MeasuresSection />
      <TasksSection />
      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-voices-heading`)}>
        <Heading level={3} data-size="xs" id={`${ids}-voices-heading`}>
          {t('plan.voices')}
        </Heading>
        <VoiceList staff={staff} />
        {writable && (
          <Details>
            <Details.Summary>{t('plan.addVoiceTitle')}</Details.Summary>
            <Details.Content>
              <AddVoice prefix="voice-new" family={false} />
            </Details.Content>
          </Details>
        )}
      </section>
      <section className="k-stack" aria-labelledby={labelledBy(`${ids}-disagreements-heading`)}>
        <Heading level={3} data-size="xs" id={`${ids}-disagreements-heading`}>
          {t('plan.disagreements')}
        </Heading>
        <DisagreementList staff={staff} />
        {/* Services disagree here; the coordinator answers (the family has its own page). */}
        {writable && (role === 'MEMBER' || role === 'SPECIALIST') && (
          <Details>
            <Details.Summary>{t('plan.recordDisagreementTitle')}</Details.Summary>
            <Details.Content>
              <RecordDisagreement prefix="disagreement-new" family={false} />
            </Details.Content>
          </Details>
        )}
      </section>
    </div>
  );
}
