import { Alert, Button, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { RequestError } from '../components/Errors';
import { formatDateTime } from '../format';
import { PlanAtRevisionDocument } from '../gql/graphql';
import type { PlanOfChildQuery } from '../gql/graphql';
import { PlanContext } from './common';
import { PlanSections } from './PlanSections';

export type PlanChange = NonNullable<NonNullable<PlanOfChildQuery['child']>['plan']>['history'][number];

/** The plan as it was at one revision (read only). */
function Revision({ childId, revision, onClose }: { childId: string; revision: number; onClose: () => void }) {
  const { t } = useTranslation();
  const [{ data, fetching, error }] = useQuery({
    query: PlanAtRevisionDocument,
    variables: { childId, revision },
  });
  const plan = data?.child?.planAt;
  return (
    <section className="k-stack k-plan-revision" aria-labelledby="plan-revision-heading">
      <Heading level={4} data-size="xs" id="plan-revision-heading">
        {t('plan.revisionTitle', { revision })}
      </Heading>
      <div>
        <Button variant="secondary" data-size="sm" onClick={onClose}>
          {t('plan.closeRevision')}
        </Button>
      </div>
      <RequestError error={error} />
      {fetching && !data ? (
        <Spinner aria-label={t('app.loading')} />
      ) : plan ? (
        <>
          <Alert data-color="info">{t('plan.historicalNote', { revision })}</Alert>
          <PlanContext.Provider
            value={{
              plan,
              municipalityId: null,
              editable: false,
              role: null,
              myName: null,
              reload: () => {},
              conflict: () => {},
              ids: `rev${revision}`,
              labelledBy: (heading) => `${heading} plan-revision-heading`,
            }}
          >
            <PlanSections staff />
          </PlanContext.Provider>
        </>
      ) : (
        <Paragraph>{t('plan.revisionMissing')}</Paragraph>
      )}
    </section>
  );
}

/** Who changed what, when; any earlier revision can be read as it was. */
export function History({ childId, current, history }: { childId: string; current: number; history: PlanChange[] }) {
  const { t } = useTranslation();
  const [viewing, setViewing] = useState<number | null>(null);
  return (
    <section className="k-stack" aria-labelledby="plan-history-heading">
      <Heading level={3} data-size="xs" id="plan-history-heading">
        {t('plan.history')}
      </Heading>
      {history.length === 0 ? (
        <Paragraph>{t('plan.noHistory')}</Paragraph>
      ) : (
        <ol className="k-plan-list">
          {history.map((change, i) => (
            <li key={`${change.revision}-${change.at}-${i}`} className="k-plan-item">
              <div className="k-row">
                <strong>{t('plan.revisionNumber', { revision: change.revision })}</strong>
                <span>{change.summary}</span>
              </div>
              <div className="k-row">
                <span className="k-muted">
                  {[change.byName, formatDateTime(change.at)].filter(Boolean).join(' · ')}
                </span>
                {/* One way to each earlier revision: at its newest change (a confirmation keeps it). */}
                {change.revision < current && history.findIndex((c) => c.revision === change.revision) === i && (
                  <Button
                    variant="tertiary"
                    data-size="sm"
                    aria-pressed={viewing === change.revision}
                    onClick={() => setViewing(change.revision)}
                  >
                    {t('plan.showRevision', { revision: change.revision })}
                  </Button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      {viewing !== null && <Revision childId={childId} revision={viewing} onClose={() => setViewing(null)} />}
    </section>
  );
}
