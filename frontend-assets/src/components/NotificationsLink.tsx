import { Tag } from '@digdir/designsystemet-react';
import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import { useQuery } from 'urql';

import { MyNotificationsDocument } from '../gql/graphql';
import { useMyChanges, useReloadOnChange } from '../live';

// Enough to show a count; beyond it the link says "99+".
const COUNT_LIMIT = 99;

/** "Varsler" in the menu, with how many are unread; follows the live feed. */
export function NotificationsLink() {
  const { t } = useTranslation();
  const changes = useMyChanges();
  const [{ data }, refetch] = useQuery({
    query: MyNotificationsDocument,
    variables: { unreadOnly: true, first: COUNT_LIMIT },
  });
  useReloadOnChange(changes, () => refetch({ requestPolicy: 'network-only' }));
  const count = data?.myNotifications.edges.length ?? 0;
  const more = data?.myNotifications.pageInfo.hasNextPage ?? false;
  return (
    <NavLink to="/notifications" aria-busy={!data}>
      {t('notifications.nav')}
      {count > 0 && (
        <>
          {' '}
          <Tag data-color="info" data-size="sm" aria-hidden="true">
            {more ? `${COUNT_LIMIT}+` : count}
          </Tag>
          <span className="k-sr-only">
            {' '}
            ({t('notifications.navUnread', { count: more ? COUNT_LIMIT : count })})
          </span>
        </>
      )}
    </NavLink>
  );
}
