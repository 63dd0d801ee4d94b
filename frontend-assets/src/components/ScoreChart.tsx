import { Button, Table } from '@digdir/designsystemet-react';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDate } from '../format';
import './score-chart.css';

/** One evaluation's score (Goal Attainment Scaling, -2..+2) on its date. */
export type Score = { evaluatedOn: string; score: number };

const SCORES = [2, 1, 0, -1, -2] as const;
// The drawing's own units; the SVG scales to its box, the text stays readable on a phone.
const WIDTH = 320;
const HEIGHT = 168;
const LEFT = 34;
const RIGHT = 14;
const TOP = 12;
const BOTTOM = 30;
// Dates on the axis beyond this many would overlap: then only the first and the last.
const MAX_DATE_LABELS = 4;

/** -2 as "−2", +1 as "+1": the sign is always written. */
export function signedScore(score: number): string {
  return score > 0 ? `+${score}` : score < 0 ? `−${Math.abs(score)}` : '0';
}

function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

function shortDate(date: string, language: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const locale = language === 'en' ? 'en-GB' : language === 'nn' ? 'nn-NO' : 'nb-NO';
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/**
 * A goal's effect over time: the scores per evaluation date as a line, with the same figures
 * as a table. The table is always there for screen readers (visually hidden) and can be shown;
 * the drawing carries a short summary as its name.
 */
export function ScoreChart({ scores, goal }: { scores: Score[]; goal: string }) {
  const { t, i18n } = useTranslation();
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  const points = [...scores].sort((a, b) => a.evaluatedOn.localeCompare(b.evaluatedOn));
  if (points.length === 0) {
    return <p className="k-muted">{t('plan.chart.none')}</p>;
  }
  const days = points.map((p) => dayNumber(p.evaluatedOn));
  const first = days[0];
  const span = days[days.length - 1] - first;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (day: number) => (span === 0 ? LEFT + plotWidth / 2 : LEFT + ((day - first) / span) * plotWidth);
  const y = (score: number) => TOP + ((2 - Math.max(-2, Math.min(2, score))) / 4) * plotHeight;
  const coords = points.map((p, i) => ({ ...p, cx: x(days[i]), cy: y(p.score) }));
  const labelled =
    coords.length <= MAX_DATE_LABELS ? coords : [coords[0], coords[coords.length - 1]];
  const latest = points[points.length - 1];
  const summary = t('plan.chart.summary', {
    goal,
    count: points.length,
    score: signedScore(latest.score),
    meaning: t(`plan.scores.${latest.score}`),
    date: formatDate(latest.evaluatedOn),
  });

  return (
    <figure className="k-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        className="k-chart-svg"
        preserveAspectRatio="xMidYMid meet"
      >
        {SCORES.map((score) => (
          <g key={score}>
            <line
              x1={LEFT}
              x2={WIDTH - RIGHT}
              y1={y(score)}
              y2={y(score)}
              className={score === 0 ? 'k-chart-expected' : 'k-chart-grid'}
            />
            <text x={LEFT - 6} y={y(score)} className="k-chart-label" textAnchor="end" dominantBaseline="middle">
              {signedScore(score)}
            </text>
          </g>
        ))}
        {coords.length > 1 && (
          <polyline className="k-chart-line" points={coords.map((c) => `${c.cx},${c.cy}`).join(' ')} />
        )}
        {coords.map((c) => (
          <circle
            key={c.evaluatedOn + c.cx}
            cx={c.cx}
            cy={c.cy}
            r={4.5}
            className={`k-chart-point${c.score > 0 ? ' k-chart-better' : c.score < 0 ? ' k-chart-worse' : ''}`}
          />
        ))}
        {labelled.map((c) => (
          <text
            key={`label-${c.evaluatedOn}-${c.cx}`}
            x={c.cx}
            y={HEIGHT - 10}
            className="k-chart-label"
            textAnchor={c.cx < LEFT + 20 ? 'start' : c.cx > WIDTH - RIGHT - 20 ? 'end' : 'middle'}
          >
            {shortDate(c.evaluatedOn, i18n.language)}
          </text>
        ))}
      </svg>
      <figcaption className="k-chart-caption">
        <span className="k-muted">{t('plan.chart.scale')}</span>
        <Button
          type="button"
          variant="tertiary"
          data-size="sm"
          aria-expanded={showTable}
          aria-controls={tableId}
          onClick={() => setShowTable((shown) => !shown)}
        >
          {showTable ? t('plan.chart.hideTable') : t('plan.chart.showTable')}
        </Button>
      </figcaption>
      <div id={tableId} className={showTable ? 'k-table-wrap' : 'k-sr-only'}>
        <Table data-size="sm">
          <caption>{t('plan.chart.tableCaption', { goal })}</caption>
          <Table.Head>
            <Table.Row>
              <Table.HeaderCell>{t('plan.chart.date')}</Table.HeaderCell>
              <Table.HeaderCell>{t('plan.chart.score')}</Table.HeaderCell>
              <Table.HeaderCell>{t('plan.chart.meaning')}</Table.HeaderCell>
            </Table.Row>
          </Table.Head>
          <Table.Body>
            {points.map((p, i) => (
              <Table.Row key={`${p.evaluatedOn}-${i}`}>
                <Table.Cell>{formatDate(p.evaluatedOn)}</Table.Cell>
                <Table.Cell>{signedScore(p.score)}</Table.Cell>
                <Table.Cell>{t(`plan.scores.${p.score}`)}</Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      </div>
    </figure>
  );
}
