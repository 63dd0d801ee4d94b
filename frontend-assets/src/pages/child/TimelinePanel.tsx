import { Heading, List, Paragraph } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '../../format';
import type { TimelineEvent } from '../../live';

export function TimelinePanel({ events }: { events: TimelineEvent[] }) {
  const { t, i18n } = useTranslation();
  const newestFirst = [...events].sort((a, b) => b.seq - a.seq);
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('timeline.title')}
      </Heading>
      {newestFirst.length === 0 ? (
        <Paragraph>{t('timeline.none')}</Paragraph>
      ) : (
        <List.Ordered aria-live="polite">
          {newestFirst.map((event) => {
            const key = `timeline.kinds.${event.kind.replace(/\./g, '_')}`;
            const text = i18n.exists(key) ? t(key) : t('timeline.kinds.other');
            const member = event.entity?.__typename === 'NetworkMember' ? event.entity : null;
            return (
              <List.Item key={event.id}>
                <strong>{text}</strong>
                {member?.person?.name ? ` – ${member.person.name}` : ''}{' '}
                <span className="k-muted">{formatDateTime(event.occurredAt)}</span>
              </List.Item>
            );
          })}
        </List.Ordered>
      )}
    </div>
  );
}
