import { Spinner } from '@digdir/designsystemet-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes } from 'react-router';
import { useQuery } from 'urql';

import { PublicLayout } from './components/Footer';
import { Layout, useSaveLanguage } from './components/Layout';
import { MeDocument } from './gql/graphql';
import { LANGUAGES, confirmChoice, pendingChoice } from './i18n';
import { Accessibility } from './pages/Accessibility';
import { Admin } from './pages/Admin';
import { Caseload } from './pages/Caseload';
import { ChildWorkspace } from './pages/ChildWorkspace';
import { DataUse } from './pages/DataUse';
import { EditMeeting } from './pages/EditMeeting';
import { Family } from './pages/Family';
import { Meetings } from './pages/Meetings';
import { MeetingView } from './pages/MeetingView';
import { NotFound } from './pages/NotFound';
import { Notifications } from './pages/Notifications';
import { RegisterChild } from './pages/RegisterChild';
import { RequestDetail } from './pages/RequestDetail';
import { Requests } from './pages/Requests';
import { ScheduleMeeting } from './pages/ScheduleMeeting';
import { SignIn } from './pages/SignIn';

export function App() {
  const { t, i18n } = useTranslation();
  const [{ data, fetching }] = useQuery({ query: MeDocument, requestPolicy: 'network-only' });
  const me = data?.me ?? null;
  // Once signed in, the language kept on the person is used: once per person, when the page
  // learns who they are; after that the page's own choice stands (a read of `me` sent before
  // a change and answered after it would put the old language back). A choice this browser
  // made that the server has not confirmed yet wins, and is sent again.
  const languageOf = useRef<string | null>(null);
  const save = useSaveLanguage();
  useEffect(() => {
    if (!me || languageOf.current === me.id) return;
    languageOf.current = me.id;
    const pending = pendingChoice(me.id);
    if (pending && pending !== me.preferredLanguage) save(me.id, pending);
    else if (pending) confirmChoice(me.id, pending);
    const chosen = pending ?? me.preferredLanguage;
    if (chosen && (LANGUAGES as readonly string[]).includes(chosen) && chosen !== i18n.language) {
      void i18n.changeLanguage(chosen);
    }
  }, [me, i18n, save]);
  if (fetching && !data) {
    return <Spinner aria-label={t('app.loading')} data-size="lg" />;
  }
  if (!me) {
    return (
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/accessibility" element={<PublicLayout><Accessibility /></PublicLayout>} />
        <Route path="/privacy" element={<PublicLayout><DataUse /></PublicLayout>} />
        <Route path="*" element={<Navigate to="/sign-in" replace />} />
      </Routes>
    );
  }
  const home = me.kind === 'STAFF' ? '/caseload' : '/family';
  return (
    <Layout me={me}>
      <Routes>
        <Route path="/" element={<Navigate to={home} replace />} />
        <Route path="/sign-in" element={<Navigate to={home} replace />} />
        <Route path="/caseload" element={<Caseload />} />
        <Route path="/family" element={<Family />} />
        <Route path="/children/new" element={<RegisterChild />} />
        <Route path="/children/:id" element={<ChildWorkspace me={me} />} />
        <Route path="/children/:id/meetings/new" element={<ScheduleMeeting />} />
        <Route path="/meetings" element={<Meetings />} />
        <Route path="/meetings/:id" element={<MeetingView me={me} />} />
        <Route path="/meetings/:id/edit" element={<EditMeeting />} />
        <Route path="/notifications" element={<Notifications />} />
        <Route path="/admin" element={<Admin me={me} />} />
        <Route path="/kommune/requests" element={<Requests me={me} />} />
        <Route path="/kommune/requests/:id" element={<RequestDetail me={me} />} />
        <Route path="/accessibility" element={<Accessibility />} />
        <Route path="/privacy" element={<DataUse />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}
