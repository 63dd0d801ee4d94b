import { Button, Card, Heading, Paragraph, Tag } from '@digdir/designsystemet-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { Footer } from '../components/Footer';
import { LanguagePicker } from '../components/Layout';

type DemoPerson = { id: string; name: string; kind: string; roles: string[] };

const GROUPS = ['coordinator', 'guardian', 'child', 'member', 'specialist', 'observer', 'other'] as const;
type Group = (typeof GROUPS)[number];

function groupOf(person: DemoPerson): Group {
  return (GROUPS.find((g) => person.roles.includes(g)) ?? 'other') as Group;
}

export function SignIn() {
  const { t } = useTranslation();
  // The demo people exist only in development mode; production answers 404 here.
  const [people, setPeople] = useState<DemoPerson[] | null>(null);
  useEffect(() => {
    let active = true;
    fetch('/dev/people', { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.json() : null))
      .then((found: DemoPerson[] | null) => active && setPeople(found))
      .catch(() => active && setPeople(null));
    return () => {
      active = false;
    };
  }, []);
  const grouped = GROUPS.map((group) => ({
    group,
    people: (people ?? []).filter((p) => groupOf(p) === group),
  })).filter((g) => g.people.length > 0);

  return (
    <>
    <main id="main" className="k-main">
      <div className="k-row" style={{ justifyContent: 'space-between' }}>
        <div className="k-stack">
          <Heading level={1} data-size="xl">
            {t('app.name')}
          </Heading>
          <Paragraph>{t('app.tagline')}</Paragraph>
        </div>
        <LanguagePicker />
      </div>
      <section className="k-stack" aria-labelledby="sign-in-heading">
        <Heading level={2} data-size="md" id="sign-in-heading">
          {t('signIn.title')}
        </Heading>
        <Paragraph>{t('signIn.intro')}</Paragraph>
        <div>
          <Button asChild>
            <a href="/auth/login">{t('signIn.providers')}</a>
          </Button>
        </div>
      </section>
      {grouped.length > 0 && (
        <section className="k-stack" aria-labelledby="demo-heading">
          <Heading level={2} data-size="md" id="demo-heading">
            {t('signIn.demoTitle')}
          </Heading>
          <Paragraph>{t('signIn.demoIntro')}</Paragraph>
          {grouped.map(({ group, people: members }) => (
            <section key={group} className="k-stack" aria-labelledby={`group-${group}`}>
              <Heading level={3} data-size="sm" id={`group-${group}`}>
                {t(`signIn.groups.${group}`)}
              </Heading>
              <Paragraph className="k-muted">{t(`signIn.can.${group}`)}</Paragraph>
              <div className="k-grid">
                {members.map((person) => (
                  <Card key={person.id} data-color="neutral">
                    <form method="post" action="/dev/sign-in" className="k-stack">
                      <input type="hidden" name="person_id" value={person.id} />
                      <Heading level={4} data-size="xs">
                        {person.name}
                      </Heading>
                      <div className="k-row">
                        {person.roles.length ? (
                          person.roles.map((role) => (
                            <Tag key={role} data-size="sm">
                              {t(`network.roles.${role.toUpperCase()}`, role)}
                            </Tag>
                          ))
                        ) : (
                          <span className="k-muted">{t('signIn.noRoles')}</span>
                        )}
                      </div>
                      <Button type="submit" variant="secondary" aria-label={t('signIn.as', { name: person.name })}>
                        {t('signIn.title')}
                      </Button>
                    </form>
                  </Card>
                ))}
              </div>
            </section>
          ))}
        </section>
      )}
    </main>
    <Footer />
    </>
  );
}
