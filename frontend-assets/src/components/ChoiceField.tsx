import { Field, Label, Select, ValidationMessage } from '@digdir/designsystemet-react';

export type Choice = { value: string; label: string };

/** A labelled select with an optional empty choice and the server's error next to it. */
export function ChoiceField({
  id,
  label,
  value,
  onChange,
  choices,
  empty,
  error,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  choices: Choice[];
  empty?: string;
  error?: string;
}) {
  const errorId = `${id}-error`;
  return (
    <Field>
      <Label htmlFor={id}>{label}</Label>
      <Select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      >
        {empty !== undefined && <Select.Option value="">{empty}</Select.Option>}
        {choices.map((choice) => (
          <Select.Option key={choice.value} value={choice.value}>
            {choice.label}
          </Select.Option>
        ))}
      </Select>
      {error && <ValidationMessage id={errorId}>{error}</ValidationMessage>}
    </Field>
  );
}
