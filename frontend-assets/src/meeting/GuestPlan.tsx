import { Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

import type { MeetingData } from './common';

/** What a guest may read of the child's plan: only the parts consent allows, nothing else. */
export function GuestPlan({ meeting }: { meeting: MeetingData }) {
  const { t } = useTranslation();
  return (
    <section className="k-stack" aria-labelledby="guest-plan-heading">
      <Heading level={2} data-size="sm" id="guest-plan-heading">
        {t('meeting.guest.planTitle')}
      </Heading>
      <Paragraph>{t('meeting.guest.planIntro')}</Paragraph>
      {meeting.guestPlan.length === 0 ? (
        <Paragraph>{t('meeting.guest.noPlan')}</Paragraph>
      ) : (
        <ul className="k-stack k-plain-list" data-guest-plan>
          {meeting.guestPlan.map((part) => (
            <li key={part.id} className="k-stack">
              <div className="k-row" style={{ alignItems: 'center' }}>
                <strong>{part.title}</strong>
                <Tag data-color="neutral" data-size="sm">
                  {t(`meeting.guest.kinds.${part.kind.toUpperCase()}`, { defaultValue: part.kind })}
                </Tag>
                <Tag data-color="info" data-size="sm">
                  {t(`plan.categories.${part.category}`)}
                </Tag>
              </div>
              {part.description && <span className="k-prewrap">{part.description}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
