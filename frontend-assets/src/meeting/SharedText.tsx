import { Textfield } from '@digdir/designsystemet-react';
import { useEffect, useRef } from 'react';
import type * as Y from 'yjs';

import { diff, shift } from './live';

/**
 * A plain textarea bound to one Y.Text of the minutes: what is typed becomes the smallest
 * change to the shared text; what others type appears here, the caret kept in its place.
 */
export function SharedText({
  doc,
  name,
  id,
  label,
  description,
  readOnly,
}: {
  doc: Y.Doc;
  name: string;
  id: string;
  label: string;
  description?: string;
  readOnly: boolean;
}) {
  const ref = useRef<HTMLTextAreaElement | null>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const text = doc.getText(name);
    element.value = text.toString();
    const onChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
      // This textarea's own typing is already on screen.
      if (transaction.origin === element) return;
      const focused = document.activeElement === element;
      const start = shift(element.selectionStart, event.delta);
      const end = shift(element.selectionEnd, event.delta);
      element.value = text.toString();
      if (focused) element.setSelectionRange(start, end);
    };
    text.observe(onChange);
    return () => text.unobserve(onChange);
  }, [doc, name]);

  function onInput() {
    const element = ref.current;
    if (!element || readOnly) return;
    const text = doc.getText(name);
    const prev = text.toString();
    const next = element.value;
    if (prev === next) return;
    const change = diff(prev, next, element.selectionEnd);
    doc.transact(() => {
      if (change.remove > 0) text.delete(change.index, change.remove);
      if (change.insert) text.insert(change.index, change.insert);
    }, element);
  }

  return (
    <Textfield
      ref={(node) => {
        ref.current = node as HTMLTextAreaElement | null;
      }}
      id={id}
      label={label}
      description={description}
      multiline
      rows={4}
      readOnly={readOnly}
      onInput={onInput}
      data-shared-text={name}
    />
  );
}
