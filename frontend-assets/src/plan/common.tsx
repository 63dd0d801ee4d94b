import { Alert, ErrorSummary, Fieldset, Textfield, Checkbox, ValidationMessage } from '@digdir/designsystemet-react';
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import type { FieldError } from '../components/Errors';
import { errorFor } from '../components/Errors';
import type {
  EvaluationDecision,
  GoalVoice,
  PlanCategory,
  LifeArea,
  MeasureProvision,
  MeasureStatus,
  NetworkRole,
  PlanFieldsFragment,
  TaskStatus,
  VoiceForm,
} from '../gql/graphql';

export type PlanData = PlanFieldsFragment;
export type PlanNeed = PlanData['needs'][number];
export type PlanGoal = PlanData['goals'][number];
export type PlanMeasure = PlanData['measures'][number];
export type PlanEvaluation = PlanGoal['evaluations'][number];
export type PlanTask = PlanData['tasks'][number];
export type PlanVoice = PlanData['voices'][number];
export type PlanDisagreement = PlanData['disagreements'][number];
export type PlanMember = PlanData['participants'][number];

export const LIFE_AREAS: LifeArea[] = [
  'HEALTH',
  'DEVELOPMENT_AND_LEARNING',
  'SCHOOL',
  'HOME_AND_FAMILY',
  'LEISURE_AND_FRIENDS',
  'TRANSITION_TO_ADULTHOOD',
];
export const PROVISIONS: MeasureProvision[] = ['IN_HOUSE', 'PRIVATE_PROVIDER', 'SPECIALIST_HEALTH'];
export const MEASURE_STATUSES: MeasureStatus[] = ['PLANNED', 'ACTIVE', 'PAUSED', 'ENDED'];
export const DECISIONS: EvaluationDecision[] = ['CONTINUE', 'ADJUST', 'END'];
export const TASK_STATUSES: TaskStatus[] = ['OPEN', 'DONE', 'CANCELLED'];
export const VOICE_FORMS: VoiceForm[] = ['WRITTEN', 'TOLD', 'DRAWN'];
export const GOAL_VOICES: GoalVoice[] = ['CHILD', 'FAMILY'];
export const CATEGORIES: PlanCategory[] = ['GENERAL', 'HEALTH', 'SCHOOL', 'NAV', 'BARNEVERN'];
export const SCORE_CHOICES = [2, 1, 0, -1, -2] as const;

/** What the plan's parts need from the page around them. */
export type PlanScope = {
  plan: PlanData;
  /** The child's kommune, for its measure catalogue (null: not known to this reader). */
  municipalityId: string | null;
  /** Forms are shown (the server still decides). */
  editable: boolean;
  /** The reader's role in the child's network, and name (to know their own entries). */
  role: NetworkRole | null;
  myName: string | null;
  /** Re-read the plan from the server. */
  reload: () => void;
  /** Someone else changed what this person was editing: say so and show the newest. */
  conflict: () => void;
  /** Prefix of the sections' element ids (a page may show the plan twice: now and earlier). */
  ids: string;
  /** A region's name from its heading (and, for an earlier revision, which one it is). */
  labelledBy: (headingId: string) => string;
};

/** Regions named by their heading alone. */
export const byHeading = (headingId: string) => headingId;

export const PlanContext = createContext<PlanScope | null>(null);

export function usePlan(): PlanScope {
  const scope = useContext(PlanContext);
  if (!scope) throw new Error('usePlan outside a plan');
  return scope;
}

/** A person in the network as people name them: "Kari Nordmann (Fjordvik skole)". */
export function memberName(member: PlanMember | null | undefined): string {
  if (!member) return '';
  const name = member.person?.name ?? member.service?.name ?? '';
  return member.person && member.service ? `${name} (${member.service.name})` : name;
}

/** '' as nothing, "1 500" as 1500; undefined when it is not a whole number. */
export function wholeNumber(value: string): number | null | undefined {
  const trimmed = value.replace(/\s/g, '');
  if (!trimmed) return null;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * Whole-number fields the browser cannot send as typed: an error next to each, in the same
 * shape as the server's (nothing is sent while there are any).
 */
export function numberErrors(fields: Record<string, string>, message: string): FieldError[] {
  return Object.entries(fields)
    .filter(([, value]) => wholeNumber(value) === undefined)
    .map(([field]) => ({ code: 'INVALID', field, message }));
}

export function hasConflict(errors: FieldError[]): boolean {
  return errors.some((e) => e.code === 'CONFLICT');
}

/** NOK per month, as Norwegians write it. */
export function formatCost(value: number | null | undefined, language: string): string {
  if (value === null || value === undefined) return '';
  return new Intl.NumberFormat(language === 'en' ? 'en-GB' : 'nb-NO', {
    style: 'currency',
    currency: 'NOK',
    maximumFractionDigits: 0,
  }).format(value);
}

/**
 * The server's errors on a form whose fields have ids `${prefix}-${field}`: each links to its
 * field; errors of fields the form does not show are listed as text.
 */
export function PlanFormErrors({ errors, prefix, fields }: { errors: FieldError[]; prefix: string; fields: string[] }) {
  const { t } = useTranslation();
  return (
    <div aria-live="assertive" aria-atomic="true">
      {errors.length > 0 && (
        <ErrorSummary>
          <ErrorSummary.Heading>{t('errors.summary')}</ErrorSummary.Heading>
          <ErrorSummary.List>
            {errors.map((e, i) => (
              <ErrorSummary.Item key={i}>
                {e.field && fields.includes(e.field) ? (
                  <ErrorSummary.Link href={`#${prefix}-${e.field}`}>{e.message}</ErrorSummary.Link>
                ) : (
                  e.message
                )}
              </ErrorSummary.Item>
            ))}
          </ErrorSummary.List>
        </ErrorSummary>
      )}
    </div>
  );
}

/** A text (or date, or number) field with its id and the server's error next to it. */
export function PlanTextField({
  prefix,
  name,
  label,
  value,
  onChange,
  errors,
  type = 'text',
  multiline = false,
  description,
  inputMode,
}: {
  prefix: string;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: FieldError[];
  type?: 'text' | 'date';
  multiline?: boolean;
  description?: string;
  inputMode?: 'numeric';
}) {
  const common = {
    id: `${prefix}-${name}`,
    label,
    value,
    description,
    error: errorFor(errors, name),
  };
  return multiline ? (
    <Textfield {...common} multiline rows={3} onChange={(e) => onChange(e.target.value)} />
  ) : (
    <Textfield {...common} type={type} inputMode={inputMode} onChange={(e) => onChange(e.target.value)} />
  );
}

/** Checkboxes for a set of ids (needs, goals, participants) with the server's error on the set. */
export function PlanCheckboxes({
  prefix,
  name,
  legend,
  description,
  options,
  selected,
  onChange,
  errors,
  empty,
}: {
  prefix: string;
  name: string;
  legend: string;
  description?: string;
  options: { value: string; label: string }[];
  selected: string[];
  onChange: (selected: string[]) => void;
  errors: FieldError[];
  empty?: ReactNode;
}) {
  const error = errorFor(errors, name);
  const errorId = `${prefix}-${name}-error`;
  return (
    <Fieldset
      id={`${prefix}-${name}`}
      tabIndex={-1}
      aria-describedby={error ? errorId : undefined}
    >
      <Fieldset.Legend>{legend}</Fieldset.Legend>
      {description && <Fieldset.Description>{description}</Fieldset.Description>}
      {options.length === 0 && empty}
      {options.map((option) => (
        <Checkbox
          key={option.value}
          label={option.label}
          value={option.value}
          checked={selected.includes(option.value)}
          onChange={(e) =>
            onChange(
              e.target.checked
                ? [...selected, option.value]
                : selected.filter((value) => value !== option.value),
            )
          }
        />
      ))}
      {error && <ValidationMessage id={errorId}>{error}</ValidationMessage>}
    </Fieldset>
  );
}

/** "Saved" after a form was sent, in a live region that is always there (so it is read out). */
export function Done({ show, text }: { show: boolean; text: string }) {
  return (
    <div role="status">
      {show && (
        <Alert data-color="success" data-size="sm">
          {text}
        </Alert>
      )}
    </div>
  );
}
