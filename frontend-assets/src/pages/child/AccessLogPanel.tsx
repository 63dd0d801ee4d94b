import { Button, Heading, Paragraph, Table } from '@digdir/designsystemet-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';

import { RequestError } from '../../components/Errors';
import { AccessLogDocument } from '../../gql/graphql';
import type { AccessLogQuery } from '../../gql/graphql';
import { formatDateTime } from '../../format';
import { useReloadOnChange } from '../../live';

type Entry = NonNullable<AccessLogQuery['child']>['accessLog']['edges'][number]['node'];

/** One page of the log; "show older" appends the next page after this one's last cursor. */
function LogPage({ childId, after, onMore, changes }: { childId: string; after: string | null; onMore: (cursor: string) => void; changes: number }) {
  const { t } = useTranslation();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: AccessLogDocument,
    variables: { id: childId, first: 20, after },
  });
  // Only the newest page changes (older entries are never rewritten).
  useReloadOnChange(changes, () => after === null && refetch({ requestPolicy: 'network-only' }));
  const log = data?.child?.accessLog;
  const rows: Entry[] = (log?.edges ?? []).map((e) => e.node);
  return (
    <>
      <RequestError error={error} />
      {rows.map((entry) => (
        <Table.Row key={entry.id}>
          <Table.Cell>{formatDateTime(entry.at)}</Table.Cell>
          <Table.Cell>
            {entry.who}
            {entry.organisation ? `, ${entry.organisation}` : ''}
          </Table.Cell>
          <Table.Cell>
            {entry.what.join(', ')}
            {entry.refused.length > 0 && (
              <div className="k-muted">{t('log.refused', { what: entry.refused.join(', ') })}</div>
            )}
          </Table.Cell>
          <Table.Cell>{entry.purpose}</Table.Cell>
        </Table.Row>
      ))}
      {log?.pageInfo.hasNextPage && log.pageInfo.endCursor && (
        <Table.Row>
          <Table.Cell colSpan={4}>
            <Button variant="secondary" data-size="sm" disabled={fetching} onClick={() => onMore(log.pageInfo.endCursor!)}>
              {t('log.more')}
            </Button>
          </Table.Cell>
        </Table.Row>
      )}
    </>
  );
}

export function AccessLogPanel({
  childId,
  changes,
  opened,
}: {
  childId: string;
  changes: number;
  /** The tab has been opened: only then is the log read (and followed). */
  opened: boolean;
}) {
  const { t } = useTranslation();
  const [pages, setPages] = useState<(string | null)[]>([null]);
  useEffect(() => setPages([null]), [childId]);
  if (!opened) return null;
  return (
    <div className="k-stack">
      <Heading level={2} data-size="sm">
        {t('log.title')}
      </Heading>
      <Paragraph>{t('log.intro')}</Paragraph>
      <div className="k-table-wrap">
        <Table>
          <Table.Head>
            <Table.Row>
              <Table.HeaderCell>{t('log.when')}</Table.HeaderCell>
              <Table.HeaderCell>{t('log.who')}</Table.HeaderCell>
              <Table.HeaderCell>{t('log.what')}</Table.HeaderCell>
              <Table.HeaderCell>{t('log.why')}</Table.HeaderCell>
            </Table.Row>
          </Table.Head>
          <Table.Body>
            {pages.map((after, index) => (
              <LogPage
                key={after ?? 'first'}
                childId={childId}
                after={after}
                changes={changes}
                onMore={(cursor) => index === pages.length - 1 && setPages([...pages, cursor])}
              />
            ))}
          </Table.Body>
        </Table>
      </div>
    </div>
  );
}
