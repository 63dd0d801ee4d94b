import { Alert, Heading, Paragraph, Spinner } from '@digdir/designsystemet-react';
import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { RequestError } from '../../components/Errors';
import type { Me } from '../../components/Layout';
import { PlanOfChildDocument } from '../../gql/graphql';
import type { NetworkRole } from '../../gql/graphql';
import { useReloadOnChange } from '../../live';
import { PlanContext, byHeading } from '../../plan/common';
import type { PlanScope } from '../../plan/common';
import { FamilyPlan } from '../../plan/FamilyPlan';
import { History } from '../../plan/History';
import { CreatePlan } from '../../plan/PlanOverview';
import { PlanSections } from '../../plan/PlanSections';
import type { WorkspaceChild } from './types';

// Roles that work on the plan; the server decides what each may change.
const WORKING_ROLES: NetworkRole[] = ['COORDINATOR', 'MEMBER', 'SPECIALIST'];

function StaffPlan({
  child,
  me,
  myRole,
  changes,
}: {
  child: WorkspaceChild;
  me: Me;
  myRole: NetworkRole | null;
  changes: number;
}) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: PlanOfChildDocument,
    variables: { childId: child.id },
  });
  const [conflicted, setConflicted] = useState(false);
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useReloadOnChange(changes, reload);
  const plan = data?.child?.plan ?? null;
  const editable = myRole !== null && WORKING_ROLES.includes(myRole);
  const scope = useMemo<PlanScope | null>(
    () =>
      plan && {
        plan,
        municipalityId: data?.child?.municipality?.id ?? null,
        editable,
        role: myRole,
        myName: me.name,
        reload,
        conflict: () => {
          setConflicted(true);
          reload();
        },
        ids: 'plan',
        labelledBy: byHeading,
      },
    [plan, data?.child?.municipality?.id, editable, myRole, me.name, reload],
  );

  if (fetching && !data) return <Spinner aria-label={t('app.loading')} />;
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('plan.title')}
      </Heading>
      <RequestError error={error} />
      {conflicted && (
        <Alert data-color="warning" role="alert">
          {t('plan.conflict')}
        </Alert>
      )}
      {!plan || !scope ? (
        <>
          <Paragraph>{t('plan.noPlan')}</Paragraph>
          {myRole === 'COORDINATOR' && <CreatePlan childId={child.id} onCreated={reload} />}
        </>
      ) : (
        <PlanContext.Provider value={scope}>
          <PlanSections staff />
          <History childId={child.id} current={plan.revision} history={data?.child?.plan?.history ?? []} />
        </PlanContext.Provider>
      )}
    </div>
  );
}

/** The child's plan (individuell plan): the network edits it; the family sees it in plain words. */
export function PlanPanel({
  child,
  me,
  myRole,
  changes,
  opened,
}: {
  child: WorkspaceChild;
  me: Me;
  myRole: NetworkRole | null;
  changes: number;
  /** The tab has been opened: only then is the plan read (and followed). */
  opened: boolean;
}) {
  const { t } = useTranslation();
  if (!opened) return null;
  if (me.kind !== 'STAFF') {
    const mine = child.network.find((m) => m.person?.id === me.id) ?? null;
    return (
      <div className="k-stack">
        <Heading level={2} data-size="sm">
          {t('plan.family.title')}
        </Heading>
        <FamilyPlan
          childId={child.id}
          birthDate={child.birthDate ?? null}
          membership={mine}
          myName={me.name}
          changes={changes}
          level={3}
        />
      </div>
    );
  }
  return <StaffPlan child={child} me={me} myRole={myRole} changes={changes} />;
}
